"""The levers of issue 18, each measured alone: the way before against the way now, in
alternating rounds of one process, CPU time per operation. Prints figures, asserts nothing.

    python benchmarks/levers.py [ROUNDS] [OPERATIONS]     # defaults: 5 rounds of 2,000

* send — one ``sendMessage`` with a two-button keyboard through aiogram to a fake Bot API
  (in a process of its own, so its parsing is not counted): aiogram's form fields against
  the JSON body (``bots.channels.telegram.session``).
* typing — a quick turn's «typing…» guard: aiogram's ``ChatActionSender`` with an initial
  sleep against the timer (``bots.channels.telegram.typing``).
* stem — the reader's stemmer over the words of the knowledge base and the NLU data: each
  of ~90 endings tried with ``endswith``, against a set looked up once per ending length and
  each word cut once (``dialogs.reading.words.stem``).
* claim — the turn's first statement (claim the update, lock the state) on PostgreSQL in a
  unit-of-work session: through the ORM's ``Session.execute`` against the session's
  connection. Not kept: it does not pay (the session's transaction, not its execution of a
  statement, is what costs), so ``storage.uow`` still runs it through the session.

The ratio is now/before: below 1 the lever pays. Rounds alternate so that a noisy neighbour
weighs on both sides alike; the median round is printed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _support import ROOT, scratch_database  # type: ignore[import-not-found]
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.chat_action import ChatActionSender

from bots.channels.telegram.session import JsonSession
from bots.channels.telegram.typing import typing_after
from bots.testing.local import free_port
from dialogs.reading import words
from storage.database import create_engine, session_factory
from storage.uow import _claim_and_lock

Operation = Callable[[int], Awaitable[Any]]
TOKEN = "42:levers"
KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[
    [InlineKeyboardButton(text="Пропустить", callback_data="q:skip")],
    [InlineKeyboardButton(text="Главное меню", callback_data="menu")],
])  # fmt: skip
TEXT = "Когда родился ребёнок?\nНапишите дату, например 12.03.2025, «вчера» или «3 марта»."
FAKE = """
import asyncio, sys
from bots.testing.telegram_api import FakeTelegram
async def main():
    fake = FakeTelegram(token=sys.argv[2])
    await fake.start(int(sys.argv[1]))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(main())
"""


async def compare(label: str, before: Operation, now: Operation, rounds: int, n: int) -> None:
    costs: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(rounds):
        for side, operation in (("before", before), ("now", now)):
            started = time.process_time()
            for i in range(n):
                await operation(i)
            costs[side].append((time.process_time() - started) / n * 1e6)
    old, new = statistics.median(costs["before"]), statistics.median(costs["now"])
    print(f"[{label}] before {old:,.0f} µs, now {new:,.0f} µs CPU an operation: "
          f"now/before {new / old:.2f}")  # fmt: skip


async def sends(rounds: int, n: int) -> None:
    port = free_port()
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FAKE, str(port), TOKEN, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert fake.stdout is not None
    assert fake.stdin is not None
    await fake.stdout.readline()
    api = TelegramAPIServer.from_base(f"http://127.0.0.1:{port}")
    form, json = (
        Bot(TOKEN, session=AiohttpSession(api=api)),
        Bot(TOKEN, session=JsonSession(api=api)),
    )
    try:
        await compare(
            "send",
            lambda i: form.send_message(1000 + i % 50, TEXT, reply_markup=KEYBOARD),
            lambda i: json.send_message(1000 + i % 50, TEXT, reply_markup=KEYBOARD),
            rounds, n,
        )  # fmt: skip
    finally:
        await form.session.close()
        await json.session.close()
        fake.stdin.close()
        await fake.wait()


async def typing(rounds: int, n: int) -> None:
    bot = Bot(TOKEN)  # never called: every turn here ends before the «typing…» would show

    async def sender(_: int) -> None:
        async with ChatActionSender.typing(bot=bot, chat_id=1, initial_sleep=0.4):
            await asyncio.sleep(0)

    async def timer(_: int) -> None:
        async with typing_after(bot, 1, 0.4):
            await asyncio.sleep(0)

    await compare("typing", sender, timer, rounds, n)
    await bot.session.close()


_ENDINGS_LONGEST_FIRST = tuple(sorted(words._ENDING_WORDS.split(), key=len, reverse=True))


def stem_by_endswith(word: str) -> str:
    """The stemmer before: every ending tried in turn, nothing remembered."""
    if word.isdigit() or len(word) <= 3:
        return word
    for ending in _ENDINGS_LONGEST_FIRST:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)][: words.STEM_LENGTH]
    return word[: words.STEM_LENGTH]


async def stems(rounds: int, n: int) -> None:
    texts = [p.read_text() for p in (ROOT / "knowledge_base").rglob("*.yml")]
    texts += [p.read_text() for p in (ROOT / "nlu").rglob("*.yml")]
    found = [w for text in texts for w in words.words(text)][:20_000]  # as a citizen repeats
    if any(stem_by_endswith(w) != words.stem(w) for w in found):
        raise SystemExit("the stemmers disagree: the lever would change what is understood")

    async def before(_: int) -> None:
        for word in found:
            stem_by_endswith(word)

    async def now(_: int) -> None:
        for word in found:
            words.stem(word)

    await compare(f"stem ({len(found):,} words)", before, now, rounds, max(1, n // 200))


async def claims(rounds: int, n: int) -> None:
    async with scratch_database() as url:
        database = create_engine(url)
        sessions = session_factory(database)
        statement = _claim_and_lock()

        def claim(orm: bool) -> Operation:
            async def one(i: int) -> None:
                values = {"claim_channel": "bench", "claim_event_id": f"{orm}-{time.time_ns()}",
                          "claim_at": dt.datetime.now(dt.UTC),
                          "key": f"bench:{i % 50}"}  # fmt: skip
                async with sessions() as session:
                    runner = session if orm else await session.connection()
                    (await runner.execute(statement, values)).one()
                    await session.commit()

            return one

        try:
            await compare("claim (not kept)", claim(True), claim(False), rounds, n)
        finally:
            await database.dispose()


async def main(rounds: int, n: int) -> None:
    print(f"{rounds} rounds of {n:,} operations each way")
    await sends(rounds, n)
    await typing(rounds, n)
    await stems(rounds, n)
    await claims(rounds, n)


if __name__ == "__main__":
    given = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(given + [5, 2000][len(given) :])))
