"""The ``lifebot`` command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from typing import Annotated

import typer

from bots.channels.console.runner import ConsoleChat
from bots.cli.analytics import register as register_analytics
from bots.cli.common import friendly_errors, load_settings
from bots.cli.kb import kb_app
from bots.cli.nlu import nlu_app
from bots.cli.run import run_app
from bots.runtime.composition import build_assistant
from bots.runtime.settings import Settings
from storage.migrate import upgrade

app = typer.Typer(help="Помощник в жизненных ситуациях.", no_args_is_help=True)
db_app = typer.Typer(help="База данных: миграции.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(nlu_app, name="nlu")
app.add_typer(run_app, name="run")
app.add_typer(kb_app, name="kb")
register_analytics(app)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Создать или обновить таблицы (alembic upgrade head)."""
    settings = load_settings()
    with friendly_errors():
        upgrade(settings.database_url)
    typer.echo("База данных обновлена.")


@app.command()
def chat(
    user: Annotated[
        str, typer.Option(help="Кто пишет: от этого зависит, чей разговор продолжить")
    ] = "local",
) -> None:
    """Поговорить с помощником в терминале (кнопки — нумерованные варианты)."""
    settings = load_settings()
    with friendly_errors():
        upgrade(settings.database_url)  # the embedded default must work on a fresh machine
        try:
            asyncio.run(_chat(settings, user))
        except KeyboardInterrupt:
            typer.echo("")


async def _chat(settings: Settings, user: str) -> None:
    assistant = await build_assistant(settings)
    reloading = None
    try:
        console = ConsoleChat(assistant.engine, user, sys.stdin, sys.stdout)
        if console.interactive:  # an editor can try their changes without a restart
            reloading = asyncio.create_task(assistant.reloader().run())
        await console.run(idle_check=dt.timedelta(seconds=settings.idle_check_seconds))
    finally:
        if reloading is not None:
            reloading.cancel()
        await assistant.close()
