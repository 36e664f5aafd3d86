"""Nothing a citizen wrote, no raw id and no configured secret reaches a log line or a
traceback; and a database that hangs fails a turn in bounded time instead of holding it."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bots.runtime.observability import configure_logging
from storage.database import create_engine

CITIZEN_WROTE = "Иванов Пётр Сергеевич, ул. Садовая 5 кв 3"
TOKEN = "123456:AAE-secret-bot-token"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The process's log output, as an operator's log collector would see it."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    configure_logging("DEBUG", as_json=True, secrets=[TOKEN])
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    yield stream
    root.handlers[:], root.level = saved, level


async def test_a_failed_statement_says_nothing_of_its_parameters(database_url: str) -> None:
    engine = create_engine(database_url)
    insert = text("INSERT INTO app_secrets (name, value) VALUES (:name, :value)")
    try:
        async with engine.begin() as connection:
            await connection.execute(insert, {"name": "twice", "value": CITIZEN_WROTE})
            with pytest.raises(DBAPIError) as raised:
                await connection.execute(insert, {"name": "twice", "value": CITIZEN_WROTE})
    finally:
        await engine.dispose()
    assert "Садовая" not in str(raised.value)
    assert "parameters hidden" in str(raised.value)


def test_a_secret_inside_a_traceback_is_redacted(captured: io.StringIO) -> None:
    try:  # a proxy's error page that echoes the request path, token included
        raise RuntimeError(f"502 from https://api.telegram.org/bot{TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("lifebot.test").exception("delivery failed")
    (line,) = captured.getvalue().splitlines()
    entry = json.loads(line)
    assert TOKEN not in line
    assert "bot***/sendMessage" in entry["error"]


def test_framework_loggers_never_print_requests_even_at_debug(captured: io.StringIO) -> None:
    logging.getLogger("vkbottle").debug("Request messages.send with %s", CITIZEN_WROTE)
    logging.getLogger("aiogram.event").debug("update %s", CITIZEN_WROTE)
    assert CITIZEN_WROTE not in captured.getvalue()


async def test_a_hanging_statement_is_cut_off_not_waited_for(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("statement_timeout is PostgreSQL's")
    engine = create_engine(database_url, statement_timeout=0.3)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError, match="statement timeout"):
                await asyncio.wait_for(connection.execute(text("SELECT pg_sleep(30)")), 20)
    finally:
        await engine.dispose()
