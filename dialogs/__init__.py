"""Channel-neutral dialogue engine: pure Python, no channel or database frameworks."""
