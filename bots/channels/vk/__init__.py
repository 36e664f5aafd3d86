"""The VK adapter (vkbottle 4): community messages and callback buttons to the engine and back."""
