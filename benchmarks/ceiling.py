"""The ceiling: the assistant against each messenger's bare library on the same machine,
black box. Prints figures, asserts nothing.

    python benchmarks/ceiling.py [CITIZENS] [CONCURRENCY] [--channels telegram,vk,max]
    python benchmarks/ceiling.py                  # 300 40, all three: ~5 minutes
    python benchmarks/ceiling.py 300 10 --channels telegram     # the p99 at concurrency 10

For each messenger two bots, one after the other, each a process of its own started as in
production:

* bare — ``python -m bots.testing.bare_bots <channel>``: aiogram 3, vkbottle 4 or maxapi, one
  handler that sends one message per update, the library's webhook server; no database, no
  NLU. What the library, aiohttp and Python cost on this machine: the ceiling.
* io — ``python -m bots.testing.bare_bots <channel> --io``: the same library doing
  per update only the I/O the assistant cannot do without (``bots.testing.io_floor``): one
  transaction on the scratch database through asyncpg itself, then two messages, the second
  with two buttons (Telegram's through the assistant's Bot API session). No NLU, no engine,
  no ORM: the floor under the assistant.
* assistant — ``lifebot run <channel>`` with its webhook (Telegram, MAX) or Callback API (VK),
  on a scratch PostgreSQL database (created and migrated here, dropped afterwards), the
  embedded NLU, no Redis.

This process plays the messenger for both: its fake API the bot sends its replies to
(``bots.testing``), and CITIZENS citizens, CONCURRENCY at a time, each posting five free-text
messages in Russian to the webhook (with the secret), each after the previous one was
answered; a 503 («busy») is posted again after 50 ms, as the messengers do.

How to read it:

* updates/s — updates handled over the wall time of the whole run (all citizens).
* latency — what a citizen waits: from the first POST of an update (503 retries included)
  to the moment the bot's first message to that chat reaches the fake API.
  p50 and p99 over every update.
* assistant/bare — the assistant's updates/s as a share of the bare bot's, per messenger:
  «half the speed of a bare framework» is 0.5; the rest is the real work (NLU, masking, the
  engine, the database round trips). io/bare is the most the assistant's own I/O leaves
  for it; assistant/io what its understanding, masking and recording cost on top.
* RSS — the bot process's resident memory (VmRSS) once ready, and after the run.
* refused — 503s the bot answered (retried); unanswered — updates with no reply in 30 s.
* CPU — seconds the bot and this process spent during the run. On 2 cores, when this
  process's share nears the wall time, the player (not the bot) is the limit: the bare
  figure is then a floor of the bare bot's speed, and the ratio an upper bound.

maxapi's webhook answers 200 before it handles an update (its design); the latency, counted
to the reply, is comparable all the same.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiohttp
from _support import ROOT, scratch_database  # type: ignore[import-not-found]
from ceiling_players import PLAYERS, Player  # type: ignore[import-not-found]

from bots.testing.local import free_port

LIFEBOT = str(Path(sys.executable).parent / "lifebot")
WORDS = [
    "у меня родился сын, что делать",
    "какие документы нужны",
    "а сколько платят пособие",
    "где подать заявление",
    "спасибо",
]
FIRST_USER = 100_000
REPLY_TIMEOUT = 30.0  # seconds an update may wait for its first reply
READY_TIMEOUT = 180.0  # seconds a bot may take to start (the NLU model loads)


class Replies:
    """When each chat's awaited first reply reaches the fake API (its ``on_message``)."""

    def __init__(self, player: Player) -> None:
        self.awaited: dict[str, asyncio.Future[float]] = {}
        player.fake.on_message = self.arrived

    def await_reply(self, chat: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.awaited[chat] = future
        return future

    def arrived(self, chat: str) -> None:
        future = self.awaited.get(chat)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


@dataclass
class Run:
    label: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    refused: int = 0
    unanswered: int = 0
    elapsed: float = 0.0
    rss_start: float = 0.0  # MiB
    rss_end: float = 0.0
    api_calls: Counter[str] = field(default_factory=Counter)  # what the bot asked the fake API
    bot_cpu: float = 0.0  # CPU seconds the bot process spent during the run
    driver_cpu: float = 0.0  # and this process (the fake API and the citizens)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def print(self) -> None:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else float("nan")
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else 0
        answered = sum(self.statuses.values())
        print(f"[{self.label}] updates: {answered} in {self.elapsed:.1f} s, "
              f"{self.rate:,.0f} updates/s")  # fmt: skip
        print(f"[{self.label}] latency to first reply p50: {p50:.1f} ms, p99: {p99:.1f} ms")
        print(f"[{self.label}] HTTP statuses: {dict(sorted(self.statuses.items()))}, "
              f"refused as busy (503, retried): {self.refused}, "
              f"unanswered: {self.unanswered}")  # fmt: skip
        print(f"[{self.label}] RSS: {self.rss_start:.0f} MiB ready, {self.rss_end:.0f} MiB after")
        calls = ", ".join(f"{name} {n / max(1, answered):.2f}" for name, n in
                          self.api_calls.most_common())  # fmt: skip
        print(f"[{self.label}] API calls an update: {calls}")
        each = self.bot_cpu / len(ordered) * 1000 if ordered else 0.0
        print(f"[{self.label}] CPU during the run: bot {self.bot_cpu:.1f} s "
              f"({each:.1f} ms an update), fake API and citizens "
              f"{self.driver_cpu:.1f} s")  # fmt: skip


async def citizens(run: Run, player: Player, port: int, count: int, gate: int) -> None:
    """``count`` citizens, ``gate`` at a time, five messages each, each after the last reply."""
    url, limit = f"http://127.0.0.1:{port}{player.path}", asyncio.Semaphore(gate)
    replies = Replies(player)
    connector = aiohttp.TCPConnector(limit=gate)
    async with aiohttp.ClientSession(connector=connector, headers=player.headers) as session:

        async def citizen(user: int) -> None:
            async with limit:
                for words in WORDS:
                    update = player.update(user, words)
                    reply = replies.await_reply(player.chat(user))
                    started = time.perf_counter()
                    while True:
                        async with session.post(url, json=update) as response:
                            await response.read()
                        if response.status != 503:
                            break
                        run.refused += 1
                        await asyncio.sleep(0.05)
                    run.statuses[response.status] += 1
                    try:
                        arrived = await asyncio.wait_for(reply, REPLY_TIMEOUT)
                    except TimeoutError:
                        run.unanswered += 1
                        continue
                    run.latencies.append(arrived - started)

        started = time.perf_counter()
        await asyncio.gather(*(citizen(FIRST_USER + n) for n in range(count)))
        run.elapsed = time.perf_counter() - started


async def listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


class BotProcess:
    """A bot as a child process, its output in a temporary file (shown if it fails)."""

    def __init__(self, label: str, command: list[str], env: dict[str, str], ready: str) -> None:
        self.label, self.command, self.env, self.ready_url = label, command, env, ready
        self.process: asyncio.subprocess.Process | None = None
        self.log: IO[bytes] | None = None

    async def start(self, log: IO[bytes]) -> None:
        self.log = log
        self.process = await asyncio.create_subprocess_exec(
            *self.command, env=self.env, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
            stdout=self.log, stderr=self.log,
        )  # fmt: skip

    async def wait_ready(self, port: int) -> None:
        """``/readyz`` says 200 and the webhook's ``port`` takes connections (the health
        server may answer a moment before the webhook listens)."""
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT
        async with aiohttp.ClientSession() as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    break
                try:
                    async with client.get(self.ready_url) as response:
                        if response.status == 200 and await listening(port):
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.label} did not become ready:\n{self.output()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def output(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is not gone in 30 s."""
        process = self.process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def measure(bot: BotProcess, player: Player, port: int, count: int, gate: int) -> Run:
    run = Run(bot.label)
    with tempfile.TemporaryFile() as log:
        try:
            await bot.start(log)
            await bot.wait_ready(port)
            run.rss_start = rss_mib(bot.pid)
            bot_cpu, driver_cpu = cpu_seconds(bot.pid), time.process_time()
            calls_before = len(player.fake.calls)
            await citizens(run, player, port, count, gate)
            run.api_calls.update(player.call_name(c) for c in player.fake.calls[calls_before:])
            run.bot_cpu = cpu_seconds(bot.pid) - bot_cpu
            run.driver_cpu = time.process_time() - driver_cpu
            run.rss_end = rss_mib(bot.pid)
        finally:
            await bot.stop()
    return run


async def bench(
    channel: str, label: str, count: int, gate: int, extra: dict[str, str] | None = None
) -> Run:
    """One bot's run against a fresh fake API: ``bare``, ``io`` or ``assistant``; ``extra``:
    the database's settings."""
    player = PLAYERS[channel]()
    await player.start()
    port, health = free_port(), free_port()
    env = {**os.environ, **player.env(port), **(extra or {})}
    try:
        if label != "assistant":
            command = [sys.executable, "-m", "bots.testing.bare_bots", channel]
            command += ["--io"] if label == "io" else []
            ready = f"http://127.0.0.1:{port}/readyz"
        else:
            command = [LIFEBOT, "run", channel]
            env |= {**player.hook, "HEALTH_PORT": str(health)}
            env.pop("REDIS_URL", None)
            ready = f"http://127.0.0.1:{health}/readyz"
        bot = BotProcess(f"{channel} {label}", command, env, ready)
        run = await measure(bot, player, port, count, gate)
    finally:
        await player.stop()
    run.print()
    return run


async def main(count: int, gate: int, channels: list[str]) -> None:
    """Every messenger's runs; SIGTERM, like Ctrl-C, cancels them (the bots stopped, the
    database dropped)."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    print(f"{count} citizens × {len(WORDS)} messages, {gate} at a time, {os.cpu_count()} CPUs")
    ratios: list[str] = []
    for channel in channels:
        bare = await bench(channel, "bare", count, gate)
        async with scratch_database() as url:  # a fresh one for each messenger
            settings = {
                "DATABASE_URL": url,
                "NLU_CACHE_DIR": str(Path.home() / ".cache" / "lifebot"),
                "PSEUDONYM_SECRET": "ceiling-pseudonym-secret-0123456789",
            }
            io = await bench(channel, "io", count, gate, settings)
            assistant = await bench(channel, "assistant", count, gate, settings)
        ratios.append(f"[{channel}] assistant/bare updates per second: {share(assistant, bare)}")
        ratios.append(f"[{channel}] io/bare: {share(io, bare)} (the most the assistant's "
                      f"I/O leaves), assistant/io: {share(assistant, io)}")  # fmt: skip
    print("\n".join(ratios))


def share(run: Run, base: Run) -> str:
    return f"{run.rate / base.rate:.2f}" if base.rate else "nan"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("citizens", nargs="?", type=int, default=300)
    parser.add_argument("concurrency", nargs="?", type=int, default=40)
    which = "which messengers, comma-separated: " + ", ".join(PLAYERS)
    parser.add_argument("--channels", default=",".join(PLAYERS), help=which)
    found = parser.parse_args()
    unknown = set(found.channels.split(",")) - set(PLAYERS)
    if unknown:
        parser.error(f"unknown channels: {', '.join(sorted(unknown))}")
    return found


if __name__ == "__main__":
    given = arguments()
    try:
        asyncio.run(main(given.citizens, given.concurrency, given.channels.split(",")))
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("interrupted: the bots were stopped, the scratch database dropped")
