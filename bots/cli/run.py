"""``lifebot run``: the bots, each with its health server, background tasks and graceful stop."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import typer
from sqlalchemy.engine import make_url

from bots.cli.common import fail, friendly_errors, load_settings
from bots.runtime.composition import Assistant, build_assistant
from bots.runtime.housekeeping import keep_house
from bots.runtime.lifecycle import InFlight, stop_signal
from bots.runtime.settings import Settings
from storage.migrate import upgrade

if TYPE_CHECKING:
    from aiohttp import web

run_app = typer.Typer(help="Запустить бота в мессенджере.", no_args_is_help=True)
log = logging.getLogger("lifebot")


def _prepare_database(settings: Settings) -> None:
    """The embedded SQLite file is migrated here; PostgreSQL by its own job (`lifebot db upgrade`),
    so that replicas starting together do not race."""
    if make_url(settings.database_url).drivername.startswith("sqlite"):
        upgrade(settings.database_url)


class Process:
    """What every bot process has besides its channel: the assistant, updates in flight, the
    stop signal, the health server, housekeeping and live reload."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.inflight = InFlight()
        self.stop = stop_signal()
        self.every = dt.timedelta(seconds=settings.idle_check_seconds)
        self._tasks: list[asyncio.Task[None]] = []
        self._servers: list[web.AppRunner] = []

    async def start(self) -> None:
        from bots.runtime.health import health_app

        reloader = self.assistant.reloader()
        reloader.listen_for_sighup()
        retention = self.settings.message_retention_days
        hourly = keep_house(self.assistant.database, retention, dt.timedelta(hours=1))
        self._tasks = [asyncio.create_task(hourly), asyncio.create_task(reloader.run())]
        health = health_app(self.assistant.metrics, self.assistant.readiness_checks())
        await self.serve(health, self.settings.webhook_host, self.settings.health_port)

    async def serve(self, app: web.Application, host: str, port: int) -> web.TCPSite:
        from aiohttp import web

        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._servers.append(runner)
        log.warning("listening on %s:%s", host, port)
        return site

    async def drain(self, site: web.TCPSite | None = None) -> None:
        """Stop taking updates, then let those in flight finish (SIGTERM)."""
        if site is not None:
            await site.stop()
        await self.inflight.drained(self.settings.shutdown_grace_seconds)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for runner in reversed(self._servers):
            await runner.cleanup()
        await self.assistant.close()  # pending writes are flushed, connections closed


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Process]:
    process = Process(await build_assistant(settings), settings)
    try:
        await process.start()
        yield process
    finally:
        await process.close()


@run_app.command("telegram")
def run_telegram() -> None:
    """Telegram: long polling, или вебхук, если задан WEBHOOK_URL."""
    settings = load_settings()
    if settings.telegram_bot_token is None:
        fail("Ошибка: задайте TELEGRAM_BOT_TOKEN (токен от @BotFather)")
    if settings.webhook_url and settings.webhook_secret is None:
        fail("Ошибка: для вебхука задайте WEBHOOK_SECRET (проверяется в каждом запросе)")
    with friendly_errors():
        _prepare_database(settings)
        asyncio.run(_telegram(settings))


async def _telegram(settings: Settings) -> None:
    from bots.channels.telegram.app import (
        build_bot,
        build_dispatcher,
        idle_surveys,
        register_webhook,
        run_polling,
        webhook_app,
    )

    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token.get_secret_value()
    async with running(settings) as process:
        engine = process.assistant.engine
        bot = build_bot(token, settings.telegram_api_url)
        dispatcher = build_dispatcher(engine, process.assistant.flood, process.inflight)
        idle = idle_surveys(bot, engine, process.every)
        try:
            if settings.webhook_url and settings.webhook_secret is not None:
                secret = settings.webhook_secret.get_secret_value()
                await register_webhook(bot, dispatcher, settings.webhook_url, secret)
                app = webhook_app(bot, dispatcher, secret, settings.webhook_path, idle)
                site = await process.serve(app, settings.webhook_host, settings.webhook_port)
                await process.stop.wait()
                await process.drain(site)
            else:
                await run_polling(bot, dispatcher, idle, process.stop)
                await process.drain()
        finally:
            await idle.stop()
            await bot.session.close()


@run_app.command("vk")
def run_vk() -> None:
    """VK: Bots Long Poll, или Callback API, если задан VK_CALLBACK_CONFIRMATION."""
    settings = load_settings()
    if settings.vk_group_token is None:
        fail("Ошибка: задайте VK_GROUP_TOKEN (ключ доступа сообщества)")
    if settings.vk_callback_confirmation and settings.vk_callback_secret is None:
        fail("Ошибка: для Callback API задайте VK_CALLBACK_SECRET (секретный ключ)")
    with friendly_errors():
        _prepare_database(settings)
        asyncio.run(_vk(settings))


async def _vk(settings: Settings) -> None:
    from bots.channels.vk.app import (
        build_api,
        build_bot,
        callback_app,
        idle_surveys,
        run_long_poll,
    )
    from bots.channels.vk.delivery import VkDelivery
    from bots.channels.vk.labeler import build_labeler
    from bots.channels.vk.screens import MemoryScreens, ScreenMemory

    assert settings.vk_group_token is not None
    async with running(settings) as process:
        assistant = process.assistant
        api = build_api(settings.vk_group_token.get_secret_value(), settings.vk_api_url)
        screens: ScreenMemory = MemoryScreens()
        if assistant.redis is not None:
            from bots.channels.vk.screens_redis import RedisScreens

            screens = RedisScreens(assistant.redis)
        delivery = VkDelivery(api, screens, assistant.engine.knowledge.texts)
        labeler = build_labeler(
            assistant.engine, delivery, screens, assistant.flood, process.inflight
        )
        bot = build_bot(api, labeler, settings.vk_group_id)
        idle = idle_surveys(delivery, assistant.engine, process.every)
        try:
            if settings.vk_callback_confirmation and settings.vk_callback_secret is not None:
                secret = settings.vk_callback_secret.get_secret_value()
                app = callback_app(bot, settings.vk_callback_confirmation, secret,
                                   settings.vk_callback_path, idle)  # fmt: skip
                site = await process.serve(
                    app, settings.vk_callback_host, settings.vk_callback_port
                )
                await process.stop.wait()
                await process.drain(site)
            else:
                polling = asyncio.create_task(run_long_poll(bot, idle))
                await process.stop.wait()
                polling.cancel()
                await process.drain()
        finally:
            await idle.stop()
            await api.http_client.close()
