"""Telegram benchmark: simulated citizens through the webhook handler, PostgreSQL storage,
the fake Bot API. Prints figures, asserts nothing.

    python benchmarks/telegram.py [CITIZENS] [CONCURRENCY]

Two processes, as in production: this one is the bot (webhook server, engine, PostgreSQL);
a child process plays Telegram (the fake Bot API, and the citizens posting updates to the
webhook). Each citizen: /start with a deep link, the date, three answers, every plan step, the
survey (CSAT, effort, «answered?», a comment). Latency is one webhook request, from POST to the
response, with the bot's replies sent to the fake Bot API inside it. Target on the 2-core
reference machine: >= 1,000 updates/s, p99 <= 50 ms, zero lost answers.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from _support import report, two_processes  # type: ignore[import-not-found]

from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.telegram_bot import PATH, SECRET, BotProcess, Citizen

SCRIPT = ["/start child_birth", "01.03.2026"]
BUTTONS = ["Да, в браке", "Да", "Нет, выше", "Дальше"]
SURVEY = ["Готово ✓", "5", "4", "Да"]


class RemoteBot:
    """The bot under test, seen from the Telegram side: its webhook address."""

    def __init__(self, port: int, session: Any) -> None:
        self.url = f"http://127.0.0.1:{port}{PATH}"
        self.session = session

    async def post(self, update: dict[str, Any]) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self.session.post(self.url, json=update, headers=headers) as response:
            return int(response.status)


async def converse(bot: RemoteBot, citizen: Citizen, latencies: list[float]) -> None:
    async def timed(update: dict[str, Any]) -> None:
        started = time.perf_counter()
        await bot.post(update)
        latencies.append(time.perf_counter() - started)

    for words in SCRIPT:
        await timed(citizen.updates.message(citizen.user_id, words))
    for label in BUTTONS:
        await timed(citizen.button_update(label))
    while not citizen.fake.has_button(citizen.user_id, "Готово ✓"):
        await timed(citizen.button_update("Дальше"))
    for label in SURVEY:
        await timed(citizen.button_update(label))
    await timed(citizen.updates.message(citizen.user_id, "Спасибо, всё понятно"))


async def play_telegram(api_port: int, bot_port: int, citizens: int, concurrency: int) -> None:
    """The child process: fake Bot API plus the citizens; prints latencies as JSON."""
    import aiohttp

    fake = FakeTelegram(port=api_port)
    await fake.start(port=api_port)
    print("ready", flush=True)
    sys.stdin.readline()  # the bot is up
    updates, latencies = Updates(), []
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        bot = RemoteBot(bot_port, session)

        async def one(number: int) -> None:
            async with gate:
                await converse(bot, Citizen(fake, 10_000 + number, updates), latencies)

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(citizens)))
        elapsed = time.perf_counter() - started
    await fake.stop()
    print(json.dumps({"latencies": latencies, "elapsed": elapsed}), flush=True)


async def serve_bot(citizens: int, concurrency: int) -> None:
    async def start_bot(engine: Any, api_port: int, bot_port: int) -> BotProcess:
        process = BotProcess(engine, FakeTelegram(port=api_port), port=bot_port)
        await process.start()
        return process

    result, stored = await two_processes(__file__, "--telegram", citizens, concurrency, start_bot)
    report("telegram", result["latencies"], result["elapsed"], citizens * 4 - stored)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--telegram"]:
        asyncio.run(play_telegram(*(int(a) for a in sys.argv[2:6])))
    else:
        arguments = [int(a) for a in sys.argv[1:3]]
        asyncio.run(serve_bot(*(arguments + [300, 50][len(arguments) :])))
