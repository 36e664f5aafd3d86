"""Reminders in SQL: the same rules as the in-memory fake, one sweep per row when two replicas
sweep at once (PostgreSQL), forgetting; the steps done in the export and the report."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogs.contract import Address
from dialogs.records import ConversationOpened, ConversationSnapshot, StepDone, SurveyAnswer
from dialogs.reminders import Kind, Reminder, Reminders
from storage import models
from storage.analytics.figures import compute
from storage.analytics.report_html import render
from storage.analytics.rows import COLUMNS, Filters, stream_rows
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.conftest import SECRET

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
DUE = dt.date(2026, 3, 20)


def _at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture
def units(sessions: async_sessionmaker[AsyncSession]) -> SqlUnits:
    return SqlUnits(sessions, Pseudonymizer(SECRET))


def _reminder(rid: str, hours: float, *, user: str = "u1", situation: str = "child_birth",
              step: str = "apply", channel: str = "telegram", kind: Kind = "reminder",
              ) -> Reminder:  # fmt: skip
    return Reminder(
        rid, kind, f"{channel}:{user}", Address(channel, f"chat-{user}"), f"conv-{user}",
        situation, step, DUE, _at(hours),
    )  # fmt: skip


async def _open(units: SqlUnits, *users: str, channel: str = "telegram") -> None:
    async with units() as uow:
        for user in users:
            opened = ConversationOpened(f"conv-{user}", channel, user, T0)
            await uow.recorder.conversation_opened(opened)
        await uow.commit()


async def _plan(units: SqlUnits, *reminders: Reminder) -> None:
    async with units() as uow:
        await uow.reminders.plan(reminders)
        await uow.commit()


async def _ids(units: SqlUnits, user: str = "u1", situation: str = "child_birth") -> list[str]:
    async with units() as uow:
        return [r.reminder_id for r in await uow.reminders.pending(f"telegram:{user}", situation)]


async def test_the_unit_of_work_carries_the_reminders_port(units: SqlUnits) -> None:
    async with units() as uow:
        port: Reminders = uow.reminders  # mypy holds it to the Protocol
        assert await port.pending("telegram:nobody", "child_birth") == []


async def test_a_plan_is_kept_on_commit_and_replaces_its_unsent_reminders(
    units: SqlUnits,
) -> None:
    await _open(units, "u1")
    await _plan(units, _reminder("r2", 48), _reminder("r1", 24, kind="checkin"))
    await _plan(units, _reminder("other", 5, situation="passport"))
    async with units() as uow:
        kept = await uow.reminders.pending("telegram:u1", "child_birth")
    assert [(r.reminder_id, r.kind) for r in kept] == [("r1", "checkin"), ("r2", "reminder")]
    assert kept[0] == _reminder("r1", 24, kind="checkin")  # every field back as planned
    async with units() as uow:  # not committed: nothing changes
        await uow.reminders.plan([_reminder("lost", 1)])
    assert await _ids(units) == ["r1", "r2"]

    await _plan(units, _reminder("r3", 72), _reminder("r1", 30))
    assert await _ids(units) == ["r1", "r3"]
    assert await _ids(units, situation="passport") == ["other"]  # another plan stays


async def test_due_takes_this_channel_soonest_first_up_to_the_limit(units: SqlUnits) -> None:
    await _open(units, "u1", "u2")
    await _open(units, "v1", channel="vk")
    await _plan(units, _reminder("late", 3), _reminder("early", 1), _reminder("later", 50))
    await _plan(units, _reminder("mid", 2, user="u2"))
    await _plan(units, _reminder("vk", 0, user="v1", channel="vk"))
    async with units() as uow:
        due = await uow.reminders.due("telegram", _at(10), limit=2)
    assert [r.reminder_id for r in due] == ["early", "mid"]
    async with units() as uow:
        due = await uow.reminders.due("telegram", _at(10), limit=10)
        assert [r.reminder_id for r in due] == ["early", "mid", "late"]
        assert due[0].address == Address("telegram", "chat-u1")
        await uow.reminders.sent("early")
        await uow.commit()
    async with units() as uow:
        assert [r.reminder_id for r in await uow.reminders.due("telegram", _at(10), 10)] == [
            "mid", "late",
        ]  # fmt: skip


async def test_two_sweeps_at_once_take_disjoint_reminders(
    units: SqlUnits, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no row locks: one writer at a time")
    await _open(units, "u1")
    await _plan(units, *(_reminder(f"r{n}", n) for n in range(5)))
    async with units() as first, units() as second:
        mine = await first.reminders.due("telegram", _at(10), limit=3)
        theirs = await second.reminders.due("telegram", _at(10), limit=10)
        assert [r.reminder_id for r in mine] == ["r0", "r1", "r2"]
        assert [r.reminder_id for r in theirs] == ["r3", "r4"]


async def test_stop_step_done_and_unreachable_count_what_they_remove(units: SqlUnits) -> None:
    await _open(units, "u1", "u2")
    await _plan(units, _reminder("a1", 1), _reminder("a2", 2, step="pay"),
                _reminder("a3", 3, step="pay"))  # fmt: skip
    await _plan(units, _reminder("b1", 1, situation="passport"))
    await _plan(units, _reminder("c1", 1, user="u2"), _reminder("c2", 2, user="u2"))
    async with units() as uow:
        assert await uow.reminders.step_done("telegram:u1", "child_birth", "pay") == 2
        assert await uow.reminders.step_done("telegram:u1", "child_birth", "pay") == 0
        assert await uow.reminders.stop("telegram:u1", "child_birth") == 1
        assert await uow.reminders.unreachable("conv-u2") == 2
        await uow.commit()
    assert await _ids(units, situation="passport") == ["b1"]
    async with units() as uow:
        assert await uow.reminders.stop("telegram:u1", None) == 1
        assert await uow.reminders.stop("telegram:u1", None) == 0
        await uow.commit()


async def test_forgetting_a_citizen_removes_their_reminders_and_keeps_their_steps(
    units: SqlUnits, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _open(units, "mine", "other")
    await _plan(units, _reminder("m1", 1, user="mine"), _reminder("m2", 2, user="mine"))
    await _plan(units, _reminder("o1", 1, user="other"))
    async with units() as uow:
        await uow.recorder.step_done(StepDone("conv-mine", "child_birth", "apply", _at(1), False))
        await uow.recorder.forget_citizen("telegram", "mine")
        await uow.commit()
    async with sessions() as session:
        left = await session.scalars(select(models.Reminder.id))
        assert sorted(left) == ["o1"]
        steps = await session.scalar(select(func.count()).select_from(models.StepDone))
        assert steps == 1  # a figure, tied to a conversation no longer linked to anyone


async def _seed(units: SqlUnits) -> None:
    """Six conversations in child_birth: five marked a step, four of them the whole plan
    (after 2, 4, 6, 8 hours); one in passport with nothing done."""
    users = [f"u{n}" for n in range(6)]
    await _open(units, *users, "p0")
    async with units() as uow:
        for n, user in enumerate(users):
            situations = ("passport", "child_birth") if n == 0 else ("child_birth",)
            await uow.recorder.conversation_changed(ConversationSnapshot(
                f"conv-{user}", "child_birth", "family", 3, 0, False, None, None, None, False,
                situations,
            ))  # fmt: skip
            if n == 5:
                continue
            done = uow.recorder.step_done
            await done(StepDone(f"conv-{user}", "child_birth", "apply", _at(n + 1), False))
            if n < 4:
                plan = StepDone(f"conv-{user}", "child_birth", "pay", _at(2 * (n + 1)), True)
                await done(plan)
                await done(plan)  # marked again later: the first time counts
        await uow.recorder.conversation_changed(ConversationSnapshot(
            "conv-p0", "passport", "documents", 1, 0, False, None, None, None, False,
            ("passport",),
        ))  # fmt: skip
        await uow.commit()


async def test_the_export_counts_steps_done_and_the_time_to_the_whole_plan(
    units: SqlUnits, database: AsyncEngine
) -> None:
    await _seed(units)
    assert COLUMNS[-2:] == ("steps_done", "plan_done_seconds")
    rows = [row async for batch in stream_rows(database, Filters()) for row in batch]
    by_id = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows}
    assert by_id["conv-u0"]["steps_done"] == 3
    assert by_id["conv-u0"]["plan_done_seconds"] == 2 * 3600
    assert by_id["conv-u3"]["plan_done_seconds"] == 8 * 3600
    assert (by_id["conv-u4"]["steps_done"], by_id["conv-u4"]["plan_done_seconds"]) == (1, None)
    assert (by_id["conv-p0"]["steps_done"], by_id["conv-p0"]["plan_done_seconds"]) == (0, None)


async def test_the_report_shows_the_path_to_result_and_hides_thin_medians(
    units: SqlUnits, database: AsyncEngine
) -> None:
    await _seed(units)
    figures = await compute(database, Filters())
    birth = figures.paths.by_situation["child_birth"]
    assert (birth.conversations, birth.with_step) == (6, 5)
    assert birth.share == pytest.approx(5 / 6)
    assert birth.median_to_step == 3 * 3600  # 1…5 hours
    assert birth.median_to_plan is None  # four plans done: too few for a median
    passport = figures.paths.by_situation["passport"]
    assert (passport.conversations, passport.with_step, passport.share) == (2, 0, None)

    html = render(figures, {"child_birth": "Рождение ребёнка"}, "02.03.2026", "09.03.2026")
    section = html.split("<h2>Путь к результату</h2>")[1].split("<h2>")[0]
    assert "Рождение ребёнка" in section
    assert "83% (5 из 6)" in section
    assert "3 ч 0 мин (n=5)" in section
    assert "мало данных (n=4)" in section
    assert "мало данных (n=2)" in section  # passport: too few conversations for a share


async def test_the_report_counts_the_check_ins_answers_as_results(
    units: SqlUnits, database: AsyncEngine
) -> None:
    await _seed(units)
    async with units() as uow:
        for user, value in (("u0", "yes"), ("u1", "yes"), ("u2", "problem"), ("u3", "not_yet")):
            await uow.recorder.survey_answer(SurveyAnswer(f"conv-{user}", "result", value, _at(9)))
        await uow.commit()
    figures = await compute(database, Filters())
    birth = figures.paths.by_situation["child_birth"]
    assert dict(birth.outcomes) == {"yes": 2, "problem": 1, "not_yet": 1}
    html = render(figures, {"child_birth": "Рождение ребёнка"}, "02.03.2026", "09.03.2026")
    section = html.split("<h2>Путь к результату</h2>")[1].split("<h2>")[0]
    assert "2 / 1 / 1" in section  # got there / not yet / a problem: an unresolved result
