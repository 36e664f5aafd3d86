"""``lifebot db``: the database's schema."""

from __future__ import annotations

import typer

from bots.cli.common import friendly_errors, load_settings
from storage.migrate import upgrade

db_app = typer.Typer(help="База данных: миграции.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Создать или обновить таблицы (alembic upgrade head)."""
    settings = load_settings()
    with friendly_errors():
        upgrade(settings.database_url)
    typer.echo("База данных обновлена.")
