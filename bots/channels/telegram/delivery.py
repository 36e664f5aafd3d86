"""Sending replies: navigation edits the menu message it came from; the rest is sent anew."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bots.channels.telegram.rendering import PARSE_MODE, TelegramMessage, render
from bots.shared.layout import deliver
from dialogs.contract import Reply


class TelegramDelivery:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(
        self, chat_id: int | str, replies: Sequence[Reply], edit_message_id: int | None = None
    ) -> None:
        messages = [message for reply in replies for message in render(reply)]
        await deliver(messages, _Chat(self._bot, chat_id), edit_message_id)


class _Chat:
    """The outbox of one chat."""

    def __init__(self, bot: Bot, chat_id: int | str) -> None:
        self._bot = bot
        self._chat_id = chat_id

    async def send(self, message: TelegramMessage, index: int) -> None:
        await self._bot.send_message(
            self._chat_id, message.text, parse_mode=PARSE_MODE, reply_markup=message.markup
        )

    async def edit(self, target: int, message: TelegramMessage) -> bool:
        try:
            await self._bot.edit_message_text(
                text=message.text,
                chat_id=self._chat_id,
                message_id=target,
                parse_mode=PARSE_MODE,
                reply_markup=message.markup,
            )
        except TelegramBadRequest as error:
            # Unchanged content is fine; a message too old to edit gets a new one instead.
            return "not modified" in error.message
        return True
