"""``lifebot run``: the bots."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

import typer
from sqlalchemy.engine import make_url

from bots.cli_common import fail, friendly_errors, load_settings
from bots.composition import Assistant, build_assistant
from bots.housekeeping import keep_house
from bots.settings import Settings
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
    from bots.telegram.app import (
        build_bot,
        build_dispatcher,
        idle_surveys,
        register_webhook,
        run_polling,
        webhook_app,
    )

    assistant = await build_assistant(settings)
    assert settings.telegram_bot_token is not None
    bot = build_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_url)
    dispatcher = build_dispatcher(assistant.engine, assistant.flood)
    idle = idle_surveys(bot, assistant.engine, dt.timedelta(seconds=settings.idle_check_seconds))
    housekeeping = _housekeeping(assistant, settings)
    try:
        if settings.webhook_url and settings.webhook_secret is not None:
            secret = settings.webhook_secret.get_secret_value()
            await register_webhook(bot, dispatcher, settings.webhook_url, secret)
            app = webhook_app(bot, dispatcher, secret, settings.webhook_path, idle)
            await _serve(app, settings.webhook_host, settings.webhook_port)
        else:
            await run_polling(bot, dispatcher, idle)
    finally:
        housekeeping.cancel()
        await bot.session.close()
        await assistant.close()


async def _serve(app: web.Application, host: str, port: int) -> None:
    from aiohttp import web

    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.warning("webhook server listening on %s:%s", host, port)
    try:
        await asyncio.Event().wait()  # until the process is stopped
    finally:
        await runner.cleanup()


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
    from bots.vk.app import build_api, build_bot, callback_app, idle_surveys, run_long_poll
    from bots.vk.delivery import VkDelivery
    from bots.vk.labeler import build_labeler
    from bots.vk.screens import MemoryScreens, ScreenMemory

    assistant = await build_assistant(settings)
    assert settings.vk_group_token is not None
    api = build_api(settings.vk_group_token.get_secret_value(), settings.vk_api_url)
    screens: ScreenMemory = MemoryScreens()
    if assistant.redis is not None:
        from bots.vk.screens_redis import RedisScreens

        screens = RedisScreens(assistant.redis)
    delivery = VkDelivery(api, screens, assistant.engine.knowledge.texts)
    labeler = build_labeler(assistant.engine, delivery, screens, assistant.flood)
    bot = build_bot(api, labeler, settings.vk_group_id)
    idle = idle_surveys(
        delivery, assistant.engine, dt.timedelta(seconds=settings.idle_check_seconds)
    )
    housekeeping = _housekeeping(assistant, settings)
    try:
        if settings.vk_callback_confirmation and settings.vk_callback_secret is not None:
            secret = settings.vk_callback_secret.get_secret_value()
            app = callback_app(bot, settings.vk_callback_confirmation, secret,
                               settings.vk_callback_path, idle)  # fmt: skip
            await _serve(app, settings.vk_callback_host, settings.vk_callback_port)
        else:
            await run_long_poll(bot, idle)
    finally:
        housekeeping.cancel()
        await api.http_client.close()
        await assistant.close()


class _Background:
    """Tasks every bot process runs beside its channel: housekeeping and live reload."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        reloader = assistant.reloader()
        reloader.listen_for_sighup()
        every = dt.timedelta(hours=1)
        self._tasks = [
            asyncio.create_task(
                keep_house(assistant.database, settings.message_retention_days, every)
            ),
            asyncio.create_task(reloader.run()),
        ]

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()


def _housekeeping(assistant: Assistant, settings: Settings) -> _Background:
    return _Background(assistant, settings)
