"""What every ``lifebot`` command shares: settings, and errors as one Russian line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from pydantic import ValidationError

from bots.runtime.settings import Settings
from knowledge_base.errors import LifebotError
from knowledge_base.validation_messages import describe


def fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper()}: {describe(e)}" for e in error.errors()
        )
        fail(f"Ошибка в настройках: {problems}")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Expected failures (bad content, settings, files) end the command with a clear message."""
    try:
        yield
    except LifebotError as error:
        fail(f"Ошибка: {error}")
    except OSError as error:
        fail(f"Ошибка файла: {error}")
