"""The desk wired to the configured database: ``lifebot run desk`` (served until SIGTERM)
and the operators' commands (``lifebot desk …``). The bots and the desk share the database:
a case a bot opens is in the desk's queue, an operator's reply is sent by the bot."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from aiohttp import web
from sqlalchemy.engine import make_url

from bots.desk.app import build_app
from bots.desk.auth import (
    Authority,
    Passwords,
    add_operator,
    issue_token,
    reset_password,
    revoke_access,
)
from bots.desk.context import DeskConfig
from bots.desk.pages import Pages, situation_titles
from bots.desk.ports import Accounts
from bots.runtime.composition import configure, load_content, open_sessions, open_units
from bots.runtime.lifecycle import stop_signal
from bots.runtime.settings import Settings
from bots.shared.stopping import Stopping, stop_gracefully
from bots.shared.web import serve
from dialogs.desk import Desk
from storage.migrate import upgrade
from storage.operators import OperatorAccounts

log = logging.getLogger("lifebot.desk")
PURGE_EVERY = 3600.0  # seconds between sweeps of expired sessions
T = TypeVar("T")


def prepare(settings: Settings) -> None:
    """The embedded SQLite database migrated, as the bots do; PostgreSQL has its own job."""
    if make_url(settings.database_url).drivername.startswith("sqlite"):
        upgrade(settings.database_url)


async def run_desk(settings: Settings) -> None:
    """The desk on DESK_HOST:DESK_PORT until SIGTERM, then the requests in flight finish."""
    configure(settings)
    stop = stop_signal()
    async with desk_app(settings) as (app, accounts):
        runner, _ = await serve(app, settings.desk_host, settings.desk_port)
        stopping = Stopping()
        purge = asyncio.create_task(_purge_sessions(accounts, stopping), name="desk_sessions")
        try:
            await stop.wait()
        finally:
            await stop_gracefully([purge], stopping)
            await runner.cleanup()


@asynccontextmanager
async def desk_app(settings: Settings) -> AsyncIterator[tuple[web.Application, Accounts]]:
    """The application on the configured database and knowledge base, and its accounts."""
    knowledge = await asyncio.to_thread(load_content, settings)
    async with open_units(settings) as units, open_sessions(settings) as sessions:
        accounts = OperatorAccounts(sessions)
        pages = Pages(situation_titles(knowledge), settings.timezone)
        config = DeskConfig(secure_cookies=settings.desk_secure_cookies)
        app = build_app(Desk(knowledge, units), Authority(accounts, Passwords()), pages, config)
        yield app, accounts


async def _purge_sessions(accounts: Accounts, stopping: Stopping) -> None:
    while await stopping.pause(PURGE_EVERY):
        try:
            await accounts.purge_sessions(dt.datetime.now(dt.UTC))
        except Exception:  # the database was away: the next sweep tries again
            log.warning("desk: expired sessions could not be deleted", exc_info=True)


def create_operator(settings: Settings, name: str) -> str:
    """``lifebot desk add-operator``: the new operator's password."""
    return _with_accounts(settings, lambda accounts: add_operator(accounts, Passwords(), name))


def new_password(settings: Settings, name: str) -> str:
    """``lifebot desk password``: a new one-time password for an operator who lost theirs;
    their desk sessions end."""
    return _with_accounts(settings, lambda accounts: reset_password(accounts, Passwords(), name))


def new_token(settings: Settings, name: str) -> str:
    """``lifebot desk token``: a new API token of the operator."""
    return _with_accounts(settings, lambda accounts: issue_token(accounts, name))


def revoke(settings: Settings, name: str) -> tuple[int, int]:
    """``lifebot desk revoke``: how many API tokens and desk sessions of the operator ended."""
    return _with_accounts(settings, lambda accounts: revoke_access(accounts, name))


def _with_accounts(settings: Settings, act: Callable[[Accounts], Awaitable[T]]) -> T:
    prepare(settings)

    async def run() -> T:
        async with open_sessions(settings) as sessions:
            return await act(OperatorAccounts(sessions))

    return asyncio.run(run())
