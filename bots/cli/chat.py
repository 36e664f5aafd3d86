"""``lifebot chat``: the assistant in a terminal, on the embedded defaults."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bots.cli.common import friendly_errors, load_settings
from bots.runtime import launch


def chat(
    user: Annotated[
        str, typer.Option(help="Кто пишет: от этого зависит, чей разговор продолжить")
    ] = "local",
) -> None:
    """Поговорить с помощником в терминале (кнопки — нумерованные варианты)."""
    settings = load_settings()
    with friendly_errors():
        config = launch.prepare("console", settings, user=user)
        try:
            asyncio.run(launch.run("console", settings, config))
        except KeyboardInterrupt:
            typer.echo("")


def register(app: typer.Typer) -> None:
    app.command()(chat)
