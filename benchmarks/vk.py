"""VK benchmark: simulated citizens through the Callback API handler, PostgreSQL storage, the
fake VK API. Prints figures, asserts nothing.

    python benchmarks/vk.py [CITIZENS] [CONCURRENCY]

Two processes: this one is the bot (Callback API server, engine, PostgreSQL); a child plays VK
(the fake API, and the citizens posting events). Each citizen: a deep link, the date, three
answers, every plan step, the survey. Latency is one Callback API request, from POST to «ok»,
with the bot's messages sent to the fake API inside it. Target on the 2-core reference
machine: >= 1,000 events/s, p99 <= 50 ms, zero lost answers.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from _support import report, two_processes  # type: ignore[import-not-found]

from bots.testing.vk_api import Events, FakeVk
from bots.testing.vk_bot import PATH, SECRET, VkCitizen, VkProcess

BUTTONS = ["Да, в браке", "Да", "Нет, выше", "Дальше"]
SURVEY = ["Готово ✓", "5", "4", "Да"]


def finished(fake: FakeVk, user: int) -> bool:
    shown = fake.keyboard(user)
    labels = [b["action"]["label"] for row in shown[0]["buttons"] for b in row] if shown else []
    return "Готово ✓" in labels


async def converse(url: str, session: Any, citizen: VkCitizen, latencies: list[float]) -> None:
    async def timed(event: dict[str, Any]) -> None:
        started = time.perf_counter()
        async with session.post(url, json=event) as response:
            await response.read()
        latencies.append(time.perf_counter() - started)

    for words in ("/start child_birth", "01.03.2026"):
        await timed(citizen.events.message(citizen.user_id, words))
    for label in BUTTONS:
        await timed(citizen.button_event(label))
    while not finished(citizen.fake, citizen.user_id):
        await timed(citizen.button_event("Дальше"))
    for label in SURVEY:
        await timed(citizen.button_event(label))
    await timed(citizen.events.message(citizen.user_id, "Спасибо, всё понятно"))


async def play_vk(api_port: int, bot_port: int, citizens: int, concurrency: int) -> None:
    import aiohttp

    fake = FakeVk()
    await fake.start(port=api_port)
    print("ready", flush=True)
    sys.stdin.readline()
    events, latencies = Events(SECRET), []
    gate = asyncio.Semaphore(concurrency)
    url = f"http://127.0.0.1:{bot_port}{PATH}"
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(number: int) -> None:
            async with gate:
                citizen = VkCitizen(fake, 10_000 + number, events)
                await converse(url, session, citizen, latencies)

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(citizens)))
        elapsed = time.perf_counter() - started
    await fake.stop()
    print(json.dumps({"latencies": latencies, "elapsed": elapsed}), flush=True)


async def serve_bot(citizens: int, concurrency: int) -> None:
    async def start_bot(engine: Any, api_port: int, bot_port: int) -> VkProcess:
        process = VkProcess(engine, FakeVk(port=api_port), port=bot_port)
        await process.start()
        return process

    result, stored = await two_processes(__file__, "--vk", citizens, concurrency, start_bot)
    lost = citizens * 4 - stored
    report("vk", result["latencies"], result["elapsed"], lost, noun="events")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--vk"]:
        asyncio.run(play_vk(*(int(a) for a in sys.argv[2:6])))
    else:
        arguments = [int(a) for a in sys.argv[1:3]]
        asyncio.run(serve_bot(*(arguments + [300, 50][len(arguments) :])))
