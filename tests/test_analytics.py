"""Analysts' data: exports read back, filters, BI views, forgetting, retention, the report."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogs.engine import DialogEngine
from storage import models
from storage.analytics.exporters import open_writer
from storage.analytics.figures import compute
from storage.analytics.report_html import render
from storage.analytics.rows import COLUMNS, Filters, stream_rows
from storage.retention import purge
from tests.chat import Chat

SURVEYS = [("5", "4", "Да"), ("4", "5", "Частично"), ("2", "2", "Нет"), ("5", "5", "Да"),
           ("3", "4", "Да"), ("5", "3", "Частично")]  # fmt: skip


async def _conversation(engine: DialogEngine, user: str, channel: str, scores: tuple[str, ...],
                        start: dt.datetime) -> None:  # fmt: skip
    chat = Chat(engine, user=user, channel=channel)
    chat.now = start
    await chat.say("/start child_birth")
    await chat.say("01.03.2026")
    await chat.press("Да, в браке")
    await chat.press("Нет")
    await chat.press("Нет, выше")
    while "Готово ✓" not in chat.labels:
        await chat.press("Дальше")
    await chat.press("Готово ✓")
    for label in scores:
        await chat.press(label)
    await chat.say(f"комментарий {user}, звоните 89161234567")


@pytest.fixture
async def seeded(sql_engine: DialogEngine) -> DialogEngine:
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    for n, scores in enumerate(SURVEYS):
        channel = "telegram" if n % 2 else "vk"
        await _conversation(sql_engine, f"u{n}", channel, scores, start + dt.timedelta(days=n))
    chat = Chat(sql_engine, user="quiet", channel="vk")  # no survey: where did it end?
    chat.now = start + dt.timedelta(days=10)
    await chat.say("/start passport")
    await chat.say("ыыыы непонятно")
    return sql_engine


async def _rows(database: AsyncEngine, filters: Filters | None = None) -> list[tuple[object, ...]]:
    return [row async for batch in stream_rows(database, filters or Filters()) for row in batch]


async def test_export_rows_carry_metrics_and_answers(
    seeded: DialogEngine, database: AsyncEngine
) -> None:
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in await _rows(database)]
    assert len(rows) == 7
    first = rows[0]
    assert first["channel"] == "vk"
    assert first["situation"] == "child_birth"
    assert first["category"] == "family"
    assert (first["csat"], first["effort"], first["answered"]) == (5, 4, "да")
    assert first["comment"] == "комментарий u0, звоните [телефон]"
    assert first["end_reason"] == "plan_finished"
    assert float(first["duration_seconds"] or 0) > 0
    assert len(str(first["citizen"])) == 16
    assert {r["answered"] for r in rows} == {"да", "частично", "нет", None}
    assert all("u0" not in str(r["citizen"]) for r in rows)


@pytest.mark.parametrize("kind", ["csv", "jsonl", "xlsx", "parquet"])
async def test_every_format_reads_back_as_stored(
    seeded: DialogEngine, database: AsyncEngine, tmp_path: Path, kind: str
) -> None:
    expected = await _rows(database)
    path = tmp_path / f"export.{kind}"
    writer = open_writer(path, kind, bom=True)
    async for batch in stream_rows(database, Filters(), batch=3):
        writer.write(batch)
    writer.close()
    back = _read(path, kind)
    assert [r["conversation_id"] for r in back] == [r[0] for r in expected]
    assert [_int(r["csat"]) for r in back] == [r[12] for r in expected]
    assert [r["answered"] or None for r in back] == [r[14] for r in expected]
    assert [r["comment"] or None for r in back] == [r[15] for r in expected]


def _int(value: object) -> int | None:
    return None if value in (None, "") else int(value)  # type: ignore[call-overload]


def _read(path: Path, kind: str) -> list[dict[str, object]]:
    if kind == "csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Cyrillic
        with path.open(encoding="utf-8-sig", newline="") as file:
            return list(csv.DictReader(file))
    if kind == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if kind == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        header, *body = [list(r) for r in book.active.iter_rows(values_only=True)]
        book.close()
        padded = [row + [None] * (len(header) - len(row)) for row in body]  # trailing blanks
        return [dict(zip(header, row, strict=True)) for row in padded]
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


async def test_filters(seeded: DialogEngine, database: AsyncEngine) -> None:
    assert len(await _rows(database, Filters(channel="telegram"))) == 3
    assert len(await _rows(database, Filters(situation="passport"))) == 1
    since = dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
    until = dt.datetime(2026, 3, 6, tzinfo=dt.UTC)
    assert len(await _rows(database, Filters(since=since, until=until))) == 2


async def test_bi_views(seeded: DialogEngine, database: AsyncEngine) -> None:
    async with database.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT situation, csat, answered, surveyed FROM analytics_conversations"
            " ORDER BY started_at"
        ))).all()  # fmt: skip
        weekly = (await connection.execute(text(
            "SELECT week_start, situation, conversations, csat_answers, answered_yes"
            " FROM analytics_satisfaction_by_situation_week ORDER BY 1, 2"
        ))).all()  # fmt: skip
    assert [(r[0], r[1], r[2]) for r in rows][:2] == [("child_birth", 5, "да"),
                                                      ("child_birth", 4, "частично")]  # fmt: skip
    assert bool(rows[-1][3]) is False
    assert sum(w[2] for w in weekly) == 7
    assert sum(w[3] for w in weekly) == 6
    assert sum(w[4] for w in weekly) == 3
    assert str(weekly[0][0]).startswith("2026-03-02")  # the Monday of the first week


async def test_forget_deletes_messages_and_unlinks_answers(
    seeded: DialogEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    chat = Chat(seeded, user="u0", channel="vk")
    chat.now = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    await chat.say("/forget")
    assert "удалил ваши сообщения" in chat.text
    async with sessions() as session:
        citizens = (await session.scalars(select(models.Citizen))).all()
        orphans = (await session.scalars(
            select(models.Conversation).where(models.Conversation.citizen_id.is_(None))
        )).all()  # fmt: skip
        answers = (await session.scalars(select(models.SurveyAnswer))).all()
        texts = [m.text for m in await session.scalars(select(models.Message))]
    assert len(citizens) == 6
    assert len(orphans) == 1
    assert len(answers) == 24  # aggregates stay
    assert not any("u0" in t for t in texts)


async def test_retention_deletes_old_message_texts(
    seeded: DialogEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    now = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    deleted = await purge(sessions, now, keep_days=5)
    async with sessions() as session:
        left = (await session.scalars(select(models.Message))).all()
        answers = (await session.scalars(select(models.SurveyAnswer))).all()
    assert deleted > 0
    assert all(m.at >= now - dt.timedelta(days=5) for m in left)
    assert len(answers) == 24


async def test_report_figures_hide_small_groups(
    seeded: DialogEngine, database: AsyncEngine
) -> None:
    figures = await compute(database, Filters())
    assert figures.conversations == 7
    assert figures.surveyed == 6
    assert figures.by_situation["child_birth"].csat.value == pytest.approx(4.0)
    assert figures.by_channel["telegram"].csat.value is None  # 3 answers: too few to show
    assert figures.unsurveyed_ends.most_common(1)[0][0][0] == "passport"
    assert figures.misunderstood[0][0] == "ыыыы непонятно"
    assert len(figures.comments) == 6
    assert all("89161234567" not in c[2] for c in figures.comments)


async def test_report_renders_in_headless_chromium(
    seeded: DialogEngine, database: AsyncEngine, kb: object, tmp_path: Path
) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    titles = {s.id: s.title for s in kb.situations.values()}  # type: ignore[attr-defined]
    html = render(await compute(database, Filters()), titles, "2026-03-01", "2026-03-31")
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    dom, errors, shot = await asyncio.to_thread(_open_in_chromium, browser, page, tmp_path)
    assert "Uncaught" not in errors
    assert "CONSOLE" not in errors  # nothing was logged to the page's console
    for chart in ("chart-situation", "chart-channel", "chart-trend", "chart-answered"):
        assert f'class="chart {chart}"' in dom
    assert dom.count("<rect") >= 4
    assert "<circle" in dom
    assert "Рождение ребёнка" in dom
    assert shot.stat().st_size > 10_000  # something was drawn


def _open_in_chromium(browser: str, page: Path, folder: Path) -> tuple[str, str, Path]:
    """The DOM Chromium built, what it logged, and a screenshot."""
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={folder / 'profile'}", "--enable-logging=stderr", "--v=0",
    ]  # fmt: skip
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    shot = folder / "report.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1000,2400", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return dom.stdout, dom.stderr, shot


async def test_export_and_forget_commands(
    seeded: DialogEngine,
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from bots.cli import app
    from tests.conftest import SECRET

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PSEUDONYM_SECRET", SECRET.decode())
    runner = CliRunner()
    out = tmp_path / "telegram.csv"
    args = ["export", "-o", str(out), "--channel", "telegram", "--since", "2026-03-01"]
    result = await asyncio.to_thread(runner.invoke, app, args)
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 3
    wrong = await asyncio.to_thread(runner.invoke, app, ["export", "-o", str(tmp_path / "x.pdf")])
    assert wrong.exit_code == 1
    assert "формат «pdf» не поддерживается" in wrong.output
    bad_day = await asyncio.to_thread(
        runner.invoke, app, ["export", "-o", str(out), "--since", "вчера"]
    )
    assert "--since: ожидается дата ГГГГ-ММ-ДД" in bad_day.output
    forgot = await asyncio.to_thread(
        runner.invoke, app, ["forget", "--channel", "telegram", "--user", "u1"]
    )
    assert forgot.exit_code == 0, forgot.output
    assert "Удалено сообщений:" in forgot.output
    async with sessions() as session:
        orphans = (await session.scalars(
            select(models.Conversation).where(models.Conversation.citizen_id.is_(None))
        )).all()  # fmt: skip
    assert len(orphans) == 1


async def test_gaps_group_what_editors_should_write_next_per_situation(
    sql_engine: DialogEngine,
    database: AsyncEngine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from bots.cli import app
    from storage.analytics.gaps import find_gaps
    from tests.conftest import SECRET

    for n, question in enumerate([
        "а можно ли назвать ребенка двойным именем?",
        "а можно назвать ребёнка двойным именем",
        "можно ли дать ребенку двойное имя?",
        "а крестить малыша обязательно сразу?",
    ]):  # fmt: skip
        chat = Chat(sql_engine, user=f"parent{n}")
        await chat.say("/start child_birth")
        await chat.say("01.03.2026")
        await chat.press("Да, в браке")
        await chat.press("Нет")
        await chat.press("Нет, выше")
        await chat.say(question)
    lost = Chat(sql_engine, user="lost")
    await lost.say("ывапролдж мой телефон 89161234567")
    gaps = await find_gaps(database, Filters())
    birth = gaps["child_birth"]
    assert (birth[0].count, birth[0].kind) == (3, "unanswered")  # one question, three wordings
    assert "двойным именем" in birth[0].text
    assert [g.count for g in birth[1:]] == [1]
    (outside,) = gaps[None]
    assert outside.kind == "not_understood"
    assert "89161234567" not in outside.text  # masked, as everything stored

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PSEUDONYM_SECRET", SECRET.decode())
    result = await asyncio.to_thread(CliRunner().invoke, app, ["report", "gaps"])
    assert result.exit_code == 0, result.output
    assert "Рождение ребёнка" in result.output
    assert "вопрос без ответа" in result.output
    missing = await asyncio.to_thread(CliRunner().invoke, app, ["report"])
    assert missing.exit_code == 1
    assert "Укажите файл отчёта" in missing.output


async def test_answers_about_an_operator_stay_out_of_the_assistants_figures(
    seeded: DialogEngine, database: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    from dialogs.cases import CaseOpened
    from dialogs.contract import Address
    from dialogs.records import SurveyAnswer
    from storage.pseudonyms import Pseudonymizer
    from storage.uow import SqlUnits
    from tests.conftest import SECRET

    conversation = str((await _rows(database))[0][0])
    at = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    async with SqlUnits(sessions, Pseudonymizer(SECRET))() as uow:
        await uow.cases.open(CaseOpened(
            "case-1", conversation, "vk:u0", Address("vk", "chat-u0"), "complaint",
            "пособие не пришло", "child_birth", None, (), (), at, off_hours=False,
        ))  # fmt: skip
        assert await uow.cases.claim("case-1", "Анна", at + dt.timedelta(minutes=3))
        assert await uow.cases.close("case-1", "Анна", "answered", at + dt.timedelta(minutes=9))
        for question, value in (("csat", "1"), ("comment", "оператор грубил")):
            answer = SurveyAnswer(conversation, question, value, at, case_id="case-1")
            await uow.recorder.survey_answer(answer)
        await uow.commit()

    rows = [dict(zip(COLUMNS, r, strict=True)) for r in await _rows(database)]
    assert len(rows) == 7  # no row doubled by the second set of answers
    first = rows[0]
    assert (first["csat"], first["comment"]) == (5, "комментарий u0, звоните [телефон]")
    assert (first["cases"], first["case_kind"], first["operator_csat"]) == (1, "complaint", 1)
    assert (first["case_wait_seconds"], first["case_handling_seconds"]) == (180.0, 360.0)
    async with database.connect() as connection:
        view = (await connection.execute(text(
            "SELECT csat, comment FROM analytics_conversations ORDER BY started_at"
        ))).all()  # fmt: skip
    assert len(view) == 7
    assert view[0][0] == 5
    figures = await compute(database, Filters())
    assert figures.by_situation["child_birth"].csat.value == pytest.approx(4.0)
    assert "оператор грубил" not in [c[2] for c in figures.comments]
    assert figures.handoffs.csat_by_operator["Анна"].count == 1
    assert figures.handoffs.comments[0][1:] == ("Анна", "оператор грубил")
