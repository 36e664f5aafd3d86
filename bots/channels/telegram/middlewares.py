"""Flood control for Telegram updates, on top of the shared token bucket."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bots.channels.telegram.mappers import CHANNEL
from bots.runtime.lifecycle import InFlight
from bots.shared.flood import FloodControl, hold
from dialogs.engine import DialogEngine

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class FloodMiddleware(BaseMiddleware):
    def __init__(self, flood: FloodControl) -> None:
        self._flood = flood

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = getattr(event, "from_user", None)
        if user is None:
            return await handler(event, data)
        admission = await hold(self._flood, CHANNEL, str(user.id))
        if admission.drop:
            if isinstance(event, CallbackQuery):
                await event.answer()
            if admission.warn and isinstance(event, Message):
                engine: DialogEngine = data["engine"]
                await event.answer(engine.knowledge.texts.flood_warning)
            return None
        return await handler(event, data)


class InFlightMiddleware(BaseMiddleware):
    """Every update is counted while handled: shutdown waits for the count to reach zero."""

    def __init__(self, inflight: InFlight) -> None:
        self._inflight = inflight

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._inflight.track():
            return await handler(event, data)
