"""The MAX adapter (maxapi): dialog messages, callback buttons and Start to the engine and back."""
