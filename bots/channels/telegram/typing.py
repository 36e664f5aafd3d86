"""«печатает…» while a slow answer is being prepared, and nothing for a quick one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.utils.chat_action import ChatActionSender


@asynccontextmanager
async def typing_after(bot: Bot, chat_id: int | str, delay: float) -> AsyncIterator[None]:
    """Shows «typing» (renewed by aiogram every 5 s) once the block has taken ``delay``
    seconds; until then it is a timer. Most turns end sooner: aiogram's ``ChatActionSender``
    with an initial sleep starts a task, a lock, two events and a timeout for each of them."""
    loop = asyncio.get_running_loop()
    shown: list[asyncio.Task[None]] = []

    def show() -> None:
        shown.append(loop.create_task(_keep_typing(bot, chat_id)))

    timer = loop.call_later(delay, show)
    try:
        yield
    finally:
        timer.cancel()
        for task in shown:  # stopped before the answer goes, as aiogram's sender does
            task.cancel()
        await asyncio.gather(*shown, return_exceptions=True)


async def _keep_typing(bot: Bot, chat_id: int | str) -> None:
    async with ChatActionSender.typing(bot=bot, chat_id=chat_id, initial_sleep=0):
        await asyncio.Event().wait()  # until cancelled: the sender's exit stops it
