"""The shared edge's flood control, as an aiogram middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bots.channels.telegram.mapping import CHANNEL
from bots.shared.edge import Edge

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class FloodMiddleware(BaseMiddleware):
    def __init__(self, edge: Edge) -> None:
        self._edge = edge

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = getattr(event, "from_user", None)
        if user is None:
            return await handler(event, data)
        admission = await self._edge.admit(CHANNEL, str(user.id))
        if admission.drop:
            if isinstance(event, CallbackQuery):
                await event.answer()
            if admission.warn and isinstance(event, Message):
                await event.answer(self._edge.texts.flood_warning)
            return None
        return await handler(event, data)
