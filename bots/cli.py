"""The ``lifebot`` command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

import typer
from pydantic import ValidationError

from bots.composition import build_assistant
from bots.console.runner import ConsoleChat
from bots.settings import Settings
from dialogs.errors import LifebotError
from storage.migrate import upgrade

app = typer.Typer(help="Помощник в жизненных ситуациях.", no_args_is_help=True)
db_app = typer.Typer(help="База данных: миграции.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _fail(error: Exception) -> None:
    typer.secho(f"Ошибка: {error}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        )
        typer.secho(f"Ошибка в настройках: {problems}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Создать или обновить таблицы (alembic upgrade head)."""
    settings = _settings()
    try:
        upgrade(settings.database_url)
    except (LifebotError, OSError) as error:
        _fail(error)
    typer.echo("База данных обновлена.")


@app.command()
def chat(
    user: str = typer.Option("local", help="Кто пишет: от этого зависит, чей разговор продолжить"),
) -> None:
    """Поговорить с помощником в терминале (кнопки — нумерованные варианты)."""
    settings = _settings()
    try:
        upgrade(settings.database_url)  # the embedded default must work on a fresh machine
        asyncio.run(_chat(settings, user))
    except LifebotError as error:
        _fail(error)
    except KeyboardInterrupt:
        typer.echo("")


async def _chat(settings: Settings, user: str) -> None:
    assistant = await build_assistant(settings)
    try:
        console = ConsoleChat(assistant.engine, user, sys.stdin, sys.stdout)
        await console.run(idle_check=dt.timedelta(seconds=settings.idle_check_seconds))
    finally:
        await assistant.close()
