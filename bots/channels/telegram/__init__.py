"""The Telegram adapter (aiogram 3): thin mapping between Bot API updates and the engine."""
