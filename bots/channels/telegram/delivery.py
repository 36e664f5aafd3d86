"""Sending replies: navigation edits the menu message it came from; the rest is sent anew."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bots.channels.telegram.render import PARSE_MODE, TelegramMessage, render
from dialogs.contract import Reply


class TelegramDelivery:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(
        self, chat_id: int | str, replies: Sequence[Reply], edit_message_id: int | None = None
    ) -> None:
        messages = [message for reply in replies for message in render(reply)]
        for index, message in enumerate(messages):
            editable = index == 0 and message.is_menu and edit_message_id is not None
            if editable and await self._edit(chat_id, edit_message_id or 0, message):
                continue
            await self._bot.send_message(
                chat_id, message.text, parse_mode=PARSE_MODE, reply_markup=message.markup
            )

    async def _edit(self, chat_id: int | str, message_id: int, message: TelegramMessage) -> bool:
        try:
            await self._bot.edit_message_text(
                text=message.text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=PARSE_MODE,
                reply_markup=message.markup,
            )
        except TelegramBadRequest as error:
            # Unchanged content is fine; a message too old to edit gets a new one instead.
            return "not modified" in error.message
        return True
