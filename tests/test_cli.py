"""The ``lifebot`` command line: clear Russian errors, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app

runner = CliRunner()


def test_db_upgrade_creates_the_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "fresh.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "База данных обновлена" in result.output
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"conversations", "survey_answers", "messages", "citizens"} <= tables


def test_an_unsupported_database_url_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/db")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "DATABASE_URL: драйвер «mysql» не поддерживается" in result.output
    assert "Traceback" not in result.output


def test_chat_with_a_broken_knowledge_base_lists_the_problems(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (content_copy / "situations" / "divorce.yml").write_text("title: [\n", encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_BASE_PATH", str(content_copy))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    result = runner.invoke(app, ["chat"], input="")
    assert result.exit_code == 1
    assert "situations/divorce.yml:2:1: ошибка YAML" in result.output
    assert "Traceback" not in result.output


def test_a_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDLE_SURVEY_MINUTES", "скоро")
    result = runner.invoke(app, ["chat"], input="")
    assert result.exit_code == 1
    assert "Ошибка в настройках: IDLE_SURVEY_MINUTES" in result.output


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("IDLE_SURVEY_MINUTES", "скоро", "IDLE_SURVEY_MINUTES: ожидается число"),
        ("IDLE_SURVEY_MINUTES", "0", "IDLE_SURVEY_MINUTES: число должно быть больше 0"),
        ("FLOOD_BURST", "2.5", "FLOOD_BURST: ожидается целое число"),
        ("NLU_ACCEPT_THRESHOLD", "7", "NLU_ACCEPT_THRESHOLD: число должно быть не больше 1"),
        ("MAX_CONCURRENT_TURNS", "0", "MAX_CONCURRENT_TURNS: число должно быть не меньше 1"),
    ],
)
def test_a_bad_setting_is_explained_in_russian(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["chat"], input="")
    assert result.exit_code == 1
    assert f"Ошибка в настройках: {said}" in result.output
    assert "Input should" not in result.output  # not pydantic's English


@pytest.mark.parametrize(
    ("value", "quiet"), [("off", None), ("нет", None), ("22-8", (22, 8)), ("", (21, 9))]
)
def test_quiet_hours_are_turned_off_by_a_word_and_an_empty_value_keeps_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str, quiet: tuple[int, int] | None
) -> None:
    from bots.runtime.composition import reminder_policy
    from bots.runtime.settings import Settings

    monkeypatch.setenv("QUIET_HOURS", value)
    assert reminder_policy(Settings(_env_file=None)).quiet == quiet  # type: ignore[call-arg]
