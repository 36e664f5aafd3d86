"""``lifebot run``: the assistant in a messenger, until SIGTERM."""

from __future__ import annotations

import asyncio

import typer

from bots.cli.common import friendly_errors, load_settings
from bots.cli.desk import desk_extra
from bots.runtime import launch

run_app = typer.Typer(help="Запустить бота в мессенджере.", no_args_is_help=True)


def run_channel(name: str) -> None:
    settings = load_settings()
    with friendly_errors():
        config = launch.prepare(name, settings)
        asyncio.run(launch.run(name, settings, config))


@run_app.command("telegram")
def run_telegram() -> None:
    """Telegram: long polling, или вебхук, если задан WEBHOOK_URL."""
    run_channel("telegram")


@run_app.command("vk")
def run_vk() -> None:
    """VK: Bots Long Poll, или Callback API, если задан VK_CALLBACK_CONFIRMATION."""
    run_channel("vk")


@run_app.command("max")
def run_max() -> None:
    """MAX: long polling (для разработки), или вебхук, если задан MAX_WEBHOOK_URL."""
    run_channel("max")


@run_app.command("desk")
def run_desk() -> None:
    """Рабочее место операторов: страницы и API на DESK_HOST:DESK_PORT, до SIGTERM."""
    settings = load_settings()
    with friendly_errors(), desk_extra():
        from bots.desk.process import prepare, run_desk

        prepare(settings)
        asyncio.run(run_desk(settings))
