"""``lifebot desk``: the operators of the desk — accounts and API tokens. The desk itself is
``lifebot run desk``. A password or token is printed once and kept only as a hash."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from bots.cli.common import friendly_errors, load_settings
from knowledge_base.errors import ConfigurationError

desk_app = typer.Typer(help="Рабочее место операторов: учётные записи и токены API.",
                       no_args_is_help=True)  # fmt: skip
DESK_PACKAGES = {"aiohttp", "argon2", "jinja2", "markupsafe"}


@contextmanager
def desk_extra() -> Iterator[None]:
    """The desk's packages are an extra: without them, say how to install it."""
    try:
        yield
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in DESK_PACKAGES:
            raise
        raise ConfigurationError(
            "для рабочего места операторов установите дополнение: pip install 'lifebot[desk]'"
        ) from error


@desk_app.command("add-operator")
def add_operator(name: str = typer.Argument(..., help="Имя для входа")) -> None:
    """Создать оператора и показать его одноразовый пароль (один раз)."""
    settings = load_settings()
    with friendly_errors(), desk_extra():
        from bots.desk.process import create_operator

        password = create_operator(settings, name)
    typer.echo(
        f"Оператор «{name.strip()}» создан. Одноразовый пароль для входа (показан один раз, "
        f"при входе попросит задать свой): {password}"
    )


@desk_app.command("password")
def reset_password(name: str = typer.Argument(..., help="Имя оператора")) -> None:
    """Выдать оператору новый одноразовый пароль; старый и все сессии перестают действовать."""
    settings = load_settings()
    with friendly_errors(), desk_extra():
        from bots.desk.process import new_password

        password = new_password(settings, name)
    typer.echo(
        f"Сессии оператора «{name.strip()}» на рабочем месте закрыты. Новый одноразовый "
        f"пароль (показан один раз, при входе попросит задать свой): {password}"
    )


@desk_app.command("revoke")
def revoke_access(name: str = typer.Argument(..., help="Имя оператора")) -> None:
    """Отозвать все токены API оператора и закрыть все его сессии."""
    settings = load_settings()
    with friendly_errors(), desk_extra():
        from bots.desk.process import revoke

        tokens, sessions = revoke(settings, name)
    typer.echo(
        f"Оператор «{name.strip()}»: отозвано токенов API — {tokens}, закрыто сессий — "
        f"{sessions}. Пароль прежний; сменить его: lifebot desk password {name.strip()}"
    )


@desk_app.command("token")
def token(name: str = typer.Argument(..., help="Имя оператора")) -> None:
    """Выдать оператору токен API (Authorization: Bearer …), показать его один раз."""
    settings = load_settings()
    with friendly_errors(), desk_extra():
        from bots.desk.process import new_token

        issued = new_token(settings, name)
    typer.echo(f"Токен API оператора «{name.strip()}» (показан один раз): {issued}")
