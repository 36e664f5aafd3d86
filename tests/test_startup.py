"""A bot starts clearly: a wrong setting is one Russian line before anything slow, the health
server answers while the NLU is being built, and a container keeps its trained model."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from bots.runtime.settings import Settings
from bots.testing.local import free_port
from bots.testing.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
LIFEBOT = str(Path(sys.executable).parent / "lifebot")
SETTINGS = {name.upper() for name in Settings.model_fields}


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """No setting from the machine running the tests: only those given, and a fresh NLU cache
    (so a start that got as far as the NLU leaves a trained model in it)."""
    inherited = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS}
    return {
        **inherited,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "NLU_CACHE_DIR": str(tmp_path / "nlu-cache"),
        "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "HEALTH_PORT": str(free_port()),
        **settings,
    }


@pytest.mark.parametrize(
    ("setting", "value", "explained"),
    [
        ("PSEUDONYM_SECRET", "short", "секрет должен быть не короче 16 байт"),
        ("LOG_LEVEL", "громко", "неизвестный уровень «громко»; допустимы: DEBUG, INFO"),
    ],
)
def test_a_wrong_setting_is_one_russian_line_before_anything_slow(
    tmp_path: Path, setting: str, value: str, explained: str
) -> None:
    env = _environment(tmp_path, **{setting: value})
    done = subprocess.run([LIFEBOT, "run", "telegram"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith(f"Ошибка в настройках: {setting}: {explained}")
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "nlu-cache").exists()  # no model was trained first…
    assert not (tmp_path / "bot.db").exists()  # …nor the database migrated


_Answer = tuple[int, dict[str, Any]]


async def _get(client: aiohttp.ClientSession, url: str) -> _Answer | None:
    try:
        async with client.get(url) as response:
            body: dict[str, Any] = await response.json()
            return response.status, body
    except aiohttp.ClientError:
        return None


class Bot:
    """``lifebot run telegram`` in webhook mode against the fake Bot API."""

    def __init__(self, tmp_path: Path, telegram: FakeTelegram, **settings: str) -> None:
        self.env = _environment(
            tmp_path, TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url,
            WEBHOOK_URL="https://bot.example.invalid/telegram/webhook", WEBHOOK_SECRET="s3cret",
            WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(free_port()), **settings,
        )  # fmt: skip
        self.cwd = tmp_path
        self.health = f"http://127.0.0.1:{self.env['HEALTH_PORT']}"
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Bot:
        self.process = await asyncio.create_subprocess_exec(
            LIFEBOT, "run", "telegram", env=self.env, cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def first_answer(self, client: aiohttp.ClientSession, path: str) -> _Answer:
        for _ in range(1200):  # a shared 2-core machine may take a while to start Python
            if (answer := await _get(client, self.health + path)) is not None:
                return answer
            await asyncio.sleep(0.05)
        raise AssertionError(f"{path} never answered")

    async def ready(self, client: aiohttp.ClientSession) -> dict[str, Any]:
        for _ in range(1200):
            answer = await _get(client, f"{self.health}/readyz")
            if answer is not None and answer[0] == 200:
                return answer[1]
            await asyncio.sleep(0.05)
        raise AssertionError("the bot did not become ready")

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.communicate(), timeout=60)
        return int(self.process.returncode or 0)


async def test_the_health_server_answers_while_the_nlu_is_being_built(
    tmp_path: Path, telegram: FakeTelegram
) -> None:
    async with Bot(tmp_path, telegram) as bot, aiohttp.ClientSession() as client:  # no model
        assert await bot.first_answer(client, "/healthz") == (200, {"status": "ok"})
        loading = {"knowledge_base": "loading", "nlu": "loading"}
        early = await _get(client, f"{bot.health}/readyz")
        assert early == (503, {"ready": False, "checks": loading, "background": {}})


async def test_a_bot_with_a_trained_model_is_ready_with_its_loops_running(
    tmp_path: Path, telegram: FakeTelegram, nlu_model: object, nlu_cache_dir: Path
) -> None:
    async with Bot(tmp_path, telegram, NLU_CACHE_DIR=str(nlu_cache_dir)) as bot:
        async with aiohttp.ClientSession() as client:
            body = await bot.ready(client)
        assert body["checks"] == {"database": "ok", "nlu": "ok"}
        jobs = {"housekeeping": "running", "reload": "running", "idle_surveys": "running"}
        assert body["background"] == jobs
        assert await bot.terminate() == 0


def test_a_container_keeps_its_trained_model() -> None:
    """The image is built with the model trained, and compose keeps later models in a volume:
    a restarted container loads the model instead of training it for a minute."""
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
    cache = next(
        part.split("=", 1)[1]
        for line in dockerfile.splitlines()
        if line.startswith("ENV ")
        for part in line.split()
        if part.startswith("NLU_CACHE_DIR=")
    )
    assert "lifebot nlu parse" in dockerfile  # trains (and checks) the model at build time
    assert f"/opt/nlu-cache/ {cache}/" in dockerfile  # and puts it where the bots look
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8"))
    for name in ("telegram", "vk"):
        mounts = dict(v.split(":", 1) for v in compose["services"][name].get("volumes", []))
        volume = next(source for source, target in mounts.items() if target == cache)
        assert volume in compose["volumes"]  # named: it outlives the container
