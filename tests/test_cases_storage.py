"""Cases in SQL: what an operator sees (masked), the queue, one winner when two claim at once,
the same rules as the in-memory fake; operator accounts; hand-off figures for analysts."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogs.cases import CaseKind, CaseLine, CaseOpened, Cases, CaseSummary
from dialogs.contract import Address
from dialogs.memory import MemoryCases, MemoryDatabase
from dialogs.records import ConversationOpened, SurveyAnswer
from knowledge_base.errors import DeskError, OperatorExists
from storage import models
from storage.analytics.figures import compute
from storage.analytics.report_html import render
from storage.analytics.rows import COLUMNS, Filters, stream_rows
from storage.cases import SqlCases
from storage.operators import Operator, OperatorAccounts
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.conftest import SECRET

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
QUESTION = "Меня зовут Иванов Иван Петрович, мой телефон 89161234567, когда придут деньги?"


def _at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def units(sessions: async_sessionmaker[AsyncSession]) -> SqlUnits:
    return SqlUnits(sessions, Pseudonymizer(SECRET))


def _case(
    case_id: str,
    opened: dt.datetime,
    *,
    conversation: str | None = None,
    kind: CaseKind = "question",
    situation: str | None = "child_birth",
    recent: tuple[CaseLine, ...] = (),
) -> CaseOpened:
    return CaseOpened(
        case_id, conversation or f"conv-{case_id}", f"telegram:user-{case_id}",
        Address("telegram", f"chat-{case_id}"), kind, QUESTION, situation, "Подать заявление",
        (("Ребёнок уже родился?", "да, 01.03.2026"), ("Ваш телефон", "89161234567")), recent,
        opened, off_hours=False,
    )  # fmt: skip


async def _open(units: SqlUnits, *cases: CaseOpened) -> None:
    """Each case in its own conversation, as the engine records it before handing over."""
    async with units() as uow:
        for case in cases:
            await uow.recorder.conversation_opened(
                ConversationOpened(case.conversation_id, "telegram", case.case_id, case.opened_at)
            )
            await uow.cases.open(case)
        await uow.commit()


async def _in_unit(units: SqlUnits, act: Callable[[SqlCases], Awaitable[Any]]) -> Any:
    async with units() as uow:
        result = await act(uow.cases)
        await uow.commit()
    return result


async def test_an_operator_sees_the_question_and_lines_masked_after_the_turns_before_it(
    units: SqlUnits, sessions: async_sessionmaker[AsyncSession]
) -> None:
    recent = (
        CaseLine("citizen", "я Мария Сергеевна Кузнецова, пособие не пришло", _at(-3)),
        CaseLine("assistant", "Пособие приходит в течение 10 рабочих дней.", _at(-2)),
    )
    await _open(units, _case("c1", T0, recent=recent))
    async with units() as uow:
        await uow.cases.add_line("c1", CaseLine("citizen", "звоните +7 916 123-45-67", _at(1)))
        await uow.cases.add_line(
            "c1", CaseLine("operator", "Здравствуйте, Мария Сергеевна!", _at(2), "Анна")
        )
        await uow.commit()
    detail = await _in_unit(units, lambda cases: cases.get("c1"))

    assert detail.question == "Меня зовут [имя], мой телефон [телефон], когда придут деньги?"
    assert detail.answers == (("Ребёнок уже родился?", "да, 01.03.2026"),
                              ("Ваш телефон", "[телефон]"))  # fmt: skip
    assert [(line.author, line.text, line.operator) for line in detail.lines] == [
        ("citizen", "я [имя], пособие не пришло", None),
        ("assistant", "Пособие приходит в течение 10 рабочих дней.", None),
        ("citizen", "звоните [телефон]", None),
        ("operator", "Здравствуйте, Мария Сергеевна!", "Анна"),  # the operator's words as typed
    ]
    assert [line.at for line in detail.lines] == [_at(-3), _at(-2), _at(1), _at(2)]
    assert (detail.address, detail.session_key) == (Address("telegram", "chat-c1"),
                                                    "telegram:user-c1")  # fmt: skip
    assert (detail.step_title, detail.conversation_id) == ("Подать заявление", "conv-c1")
    summary = detail.summary
    assert (summary.status, summary.kind, summary.channel) == ("queued", "question", "telegram")
    assert (summary.situation_id, summary.opened_at, summary.operator) == ("child_birth", T0, None)
    stored = []
    async with sessions() as session:
        for table in ("cases", "case_lines"):
            stored += [str(v) for row in await session.execute(text(f"SELECT * FROM {table}"))
                       for v in row]  # fmt: skip
    for secret in ("89161234567", "916 123-45-67", "Иванов", "Кузнецова"):
        assert not any(secret in value for value in stored)


async def test_a_case_is_kept_only_when_the_unit_commits(units: SqlUnits) -> None:
    async with units() as uow:
        await uow.recorder.conversation_opened(ConversationOpened("conv-x", "telegram", "x", T0))
        await uow.cases.open(_case("x", T0, conversation="conv-x"))
        assert await uow.cases.get("x") is not None  # seen inside its own unit
    assert await _in_unit(units, lambda cases: cases.get("x")) is None
    assert await _in_unit(units, lambda cases: cases.get("no-such-case")) is None


async def test_the_queue_is_oldest_first_and_counts_who_is_ahead(units: SqlUnits) -> None:
    await _open(units, _case("late", _at(20)), _case("early", _at(0)), _case("mid", _at(10)))

    async def queue(cases: SqlCases) -> list[str]:
        return [s.case_id for s in await cases.listing("queued", 10)]

    assert await _in_unit(units, queue) == ["early", "mid", "late"]

    async def ahead(cases: SqlCases) -> list[int]:
        return [await cases.queued_ahead(i) for i in ("early", "mid", "late")]

    assert await _in_unit(units, ahead) == [0, 1, 2]
    assert await _in_unit(units, lambda c: c.claim("early", "Анна", _at(25)))
    assert await _in_unit(units, lambda c: c.queued_ahead("late")) == 1  # the taken one left
    assert await _in_unit(units, queue) == ["mid", "late"]
    assert await _in_unit(units, lambda c: c.claim("late", "Борис", _at(26)))
    claimed = await _in_unit(units, lambda c: c.listing("claimed", 10))
    assert [(s.case_id, s.operator, s.claimed_at) for s in claimed] == [
        ("early", "Анна", _at(25)), ("late", "Борис", _at(26)),
    ]  # fmt: skip
    for case_id in ("early", "mid", "late"):
        assert await _in_unit(units, lambda c, i=case_id: c.close(i, None, "answered", _at(30)))
    closed = await _in_unit(units, lambda c: c.listing("closed", 2))
    assert [s.case_id for s in closed] == ["late", "mid"]  # newest first, as many as asked


async def test_recent_waits_are_those_of_the_latest_claims(units: SqlUnits) -> None:
    await _open(
        units, _case("a", _at(0)), _case("b", _at(1)), _case("c", _at(2)), _case("d", _at(3))
    )
    for case_id, claimed in (("a", 10), ("c", 4), ("b", 30)):  # d still waits
        assert await _in_unit(units, lambda c, i=case_id, m=claimed: c.claim(i, "Анна", _at(m)))
    waits = await _in_unit(units, lambda c: c.recent_waits(_at(40), 2))
    assert waits == [dt.timedelta(minutes=29), dt.timedelta(minutes=10)]  # b, then a
    everything = await _in_unit(units, lambda c: c.recent_waits(_at(40), 10))
    assert len(everything) == 3  # a case nobody took has no wait yet


async def test_two_operators_claiming_at_once_get_exactly_one_case(units: SqlUnits) -> None:
    """Two units (two connections, as two desk processes): the second UPDATE is sent while the
    first is not yet committed, and still only one operator gets the case."""
    await _open(units, _case("hot", T0))
    first_sent = asyncio.Event()

    async def first() -> bool:
        async with units() as uow:
            won = await uow.cases.claim("hot", "Анна", _at(1))
            first_sent.set()
            await asyncio.sleep(0.3)  # the other claim is waiting on the row now
            await uow.commit()
        return won

    async def second() -> bool:
        await first_sent.wait()
        async with units() as uow:
            won = await uow.cases.claim("hot", "Борис", _at(1))
            await uow.commit()
        return won

    assert await asyncio.gather(first(), second()) == [True, False]
    detail = await _in_unit(units, lambda c: c.get("hot"))
    assert (detail.summary.status, detail.summary.operator) == ("claimed", "Анна")


async def test_claims_racing_without_order_have_one_winner_each(units: SqlUnits) -> None:
    cases = [_case(f"race{n}", _at(n)) for n in range(6)]
    await _open(units, *cases)

    async def claim(case_id: str, operator: str) -> bool:
        async with units() as uow:
            won = await uow.cases.claim(case_id, operator, _at(10))
            await uow.commit()
        return won

    for case in cases:
        results = await asyncio.gather(claim(case.case_id, "Анна"), claim(case.case_id, "Борис"))
        assert sorted(results) == [False, True]


async def _script(cases: Cases) -> list[object]:
    """Every rule of claiming, releasing and closing, with their answers."""
    return [
        await cases.release("q", "Анна"),  # not claimed
        await cases.claim("q", "Анна", _at(1)),
        await cases.claim("q", "Борис", _at(2)),  # taken already
        await cases.release("q", "Борис"),  # not his
        await cases.close("q", "Борис", "answered", _at(3)),  # held by another
        await cases.release("q", "Анна"),  # back to the queue
        await cases.claim("q", "Борис", _at(4)),
        await cases.close("q", None, "withdrawn", _at(5)),  # the citizen went back
        await cases.close("q", "Борис", "answered", _at(6)),  # closed already
        await cases.claim("q", "Анна", _at(7)),
        await cases.release("q", "Борис"),
        await cases.close("free", "Анна", "redirected", _at(8)),  # unheld: anyone may close
        await cases.claim("held", "Анна", _at(9)),
        await cases.close("held", "Анна", "not_answered", _at(10)),
        await cases.claim("missing", "Анна", _at(11)),
        await cases.release("missing", "Анна"),
        await cases.close("missing", "Анна", "answered", _at(12)),
        await cases.citizen_unreachable("blocked", _at(13)),
        await cases.citizen_unreachable("missing", _at(13)),
    ]


async def test_claim_release_and_close_follow_the_rules_of_the_memory_fake(
    units: SqlUnits,
) -> None:
    opened = [_case(i, _at(n)) for n, i in enumerate(("q", "free", "held", "blocked"))]
    memory = MemoryCases(MemoryDatabase())
    for case in opened:
        await memory.open(case)
    await _open(units, *opened)

    async def summaries(cases: Cases) -> list[CaseSummary | None]:
        return [d.summary if (d := await cases.get(c.case_id)) else None for c in opened]

    async with units() as uow:
        sql_answers = await _script(uow.cases)
        await uow.commit()
    assert sql_answers == await _script(memory)
    assert await _in_unit(units, summaries) == await summaries(memory)
    q, free, held, blocked = await _in_unit(units, summaries)
    assert (q.status, q.operator, q.resolution, q.closed_at) == ("closed", "Борис", "withdrawn",
                                                                  _at(5))  # fmt: skip
    assert (free.operator, free.resolution) == ("Анна", "redirected")
    assert (held.operator, held.resolution) == ("Анна", "not_answered")
    assert blocked.citizen_blocked
    assert not q.citizen_blocked


async def test_operator_accounts_tokens_and_desk_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    accounts = OperatorAccounts(sessions)
    await accounts.add("Анна", "$argon2id$first")
    with pytest.raises(OperatorExists, match="оператор «Анна» уже есть"):
        await accounts.add("Анна", "$argon2id$other")
    found = await accounts.get("Анна")
    assert isinstance(found, Operator)
    assert (found.name, found.password_hash) == ("Анна", "$argon2id$first")
    assert found.created_at.tzinfo is not None
    assert await accounts.get("Борис") is None
    await accounts.set_password("Анна", "$argon2id$second")
    assert await accounts.get("Анна") == Operator("Анна", "$argon2id$second", found.created_at)
    with pytest.raises(DeskError, match="оператора «Борис» нет"):
        await accounts.set_password("Борис", "$argon2id$x")

    await accounts.add_token("Анна", "a" * 64)
    assert await accounts.by_token("a" * 64) == "Анна"
    assert await accounts.by_token("b" * 64) is None
    with pytest.raises(DeskError, match="оператора «Борис» нет"):
        await accounts.add_token("Борис", "c" * 64)

    await accounts.open_session("s1", "Анна", "csrf-1", _at(60))
    await accounts.open_session("s2", "Анна", "csrf-2", _at(10))
    assert await accounts.session("s1", _at(5)) == ("Анна", "csrf-1", False)
    assert await accounts.session("s2", _at(10)) is None  # expired
    assert await accounts.session("nope", _at(5)) is None
    assert await accounts.purge_sessions(_at(30)) == 1
    await accounts.close_session("s1")  # signed out
    assert await accounts.session("s1", _at(5)) is None
    assert await accounts.purge_sessions(_at(90)) == 0


async def test_a_one_time_password_and_ending_an_operators_access(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    accounts = OperatorAccounts(sessions)
    async with sessions() as session:  # an operator from before one-time passwords
        await session.execute(
            text("INSERT INTO operators (name, password_hash, created_at) VALUES "
                 "('Старый', '$argon2id$old', :at)"), {"at": T0},
        )  # fmt: skip
        await session.commit()
    old = await accounts.get("Старый")
    assert old is not None
    assert not old.password_is_temporary
    await accounts.add("Анна", "$argon2id$issued", temporary=True)
    await accounts.add("Борис", "$argon2id$his")
    found = await accounts.get("Анна")
    assert found is not None
    assert found.password_is_temporary
    await accounts.open_session("s1", "Анна", "csrf-1", _at(60))
    assert await accounts.session("s1", _at(5)) == ("Анна", "csrf-1", True)
    await accounts.set_password("Анна", "$argon2id$hers")  # she chose her own
    assert await accounts.session("s1", _at(5)) == ("Анна", "csrf-1", False)

    for key, who in (("s2", "Анна"), ("s3", "Борис")):
        await accounts.open_session(key, who, "csrf", _at(60))
    for token, who in (("a" * 64, "Анна"), ("b" * 64, "Анна"), ("c" * 64, "Борис")):
        await accounts.add_token(who, token)
    assert await accounts.close_sessions_of("Анна") == 2
    assert await accounts.revoke_tokens("Анна") == 2
    assert await accounts.session("s1", _at(5)) is None
    assert await accounts.by_token("a" * 64) is None
    assert await accounts.session("s3", _at(5)) == ("Борис", "csrf", False)  # only hers end
    assert await accounts.by_token("c" * 64) == "Борис"
    assert (await accounts.close_sessions_of("Анна"), await accounts.revoke_tokens("Никто")) == (
        0, 0,
    )  # fmt: skip


async def test_survey_answers_about_an_operator_sit_beside_those_about_the_assistant(
    units: SqlUnits, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _open(units, _case("k1", T0, conversation="conv"))
    async with units() as uow:
        await uow.cases.open(_case("k2", _at(30), conversation="conv"))  # a second hand-off
        for answer in (
            SurveyAnswer("conv", "csat", "5", _at(10)),  # about the assistant
            SurveyAnswer("conv", "csat", "2", _at(20), case_id="k1"),
            SurveyAnswer("conv", "csat", "3", _at(21), case_id="k1"),  # changed their mind
            SurveyAnswer("conv", "comment", "спасибо, звоните 89161234567", _at(22), "k1"),
            SurveyAnswer("conv", "csat", "4", _at(40), case_id="k2"),
            SurveyAnswer("conv", "csat", "4", _at(50)),  # the assistant's, again
        ):
            await uow.recorder.survey_answer(answer)
        await uow.commit()
    async with sessions() as session:
        rows = (await session.execute(select(models.SurveyAnswer))).scalars().all()
    stored = sorted((a.case_id or "", a.question, a.value) for a in rows)
    assert stored == [("", "csat", "4"), ("k1", "comment", "спасибо, звоните [телефон]"),
                      ("k1", "csat", "3"), ("k2", "csat", "4")]  # fmt: skip


async def test_forgetting_a_citizen_erases_their_words_and_address_from_cases(
    units: SqlUnits, sessions: async_sessionmaker[AsyncSession]
) -> None:
    recent = (CaseLine("citizen", "пособие не пришло", _at(-1)),)
    await _open(units, _case("mine", T0, recent=recent), _case("other", _at(1)))
    async with units() as uow:
        assert await uow.cases.close("mine", "Анна", "answered", _at(5))
        await uow.recorder.forget_citizen("telegram", "mine")  # the case id was the user id
        await uow.commit()
    mine = await _in_unit(units, lambda c: c.get("mine"))
    other = await _in_unit(units, lambda c: c.get("other"))
    assert (mine.question, mine.answers, mine.lines) == ("[удалено]", (), ())
    assert (mine.address.chat_id, mine.session_key) == ("", "")  # raw ids gone
    assert (mine.summary.resolution, mine.summary.operator) == ("answered", "Анна")  # figures stay
    assert (other.question != "[удалено]", other.address.chat_id) == (True, "chat-other")


async def _handoff_period(units: SqlUnits) -> None:
    """Six hand-offs: Анна closes five (rated 5, 4, 4, 3, 5), Борис one (rated 1); the citizen
    of the first also rated the assistant 2."""
    plan = [  # case, kind, situation, opened, claimed, closed, resolution, operator, rating
        ("h1", "question", "child_birth", 0, 2, 12, "answered", "Анна", "5"),
        ("h2", "complaint", "child_birth", 60, 64, 70, "answered", "Анна", "4"),
        ("h3", "complaint", "passport", 120, 126, 146, "redirected", "Анна", "4"),
        ("h4", "question", "passport", 180, 188, 190, "not_answered", "Анна", "3"),
        ("h5", "complaint", "child_birth", 240, 250, 280, "answered", "Анна", "5"),
        ("h6", "question", None, 300, 301, 302, "answered", "Борис", "1"),
    ]
    await _open(units, *(_case(p[0], _at(p[3]), kind=p[1], situation=p[2]) for p in plan))
    await _open(units, _case("h7", _at(400)))  # still waiting
    async with units() as uow:
        for case_id, _, _, _, claimed, closed, resolution, operator, rating in plan:
            assert await uow.cases.claim(case_id, operator, _at(claimed))
            assert await uow.cases.close(case_id, operator, resolution, _at(closed))
            answer = SurveyAnswer(f"conv-{case_id}", "csat", rating, _at(closed + 1), case_id)
            await uow.recorder.survey_answer(answer)
        await uow.recorder.survey_answer(SurveyAnswer("conv-h1", "csat", "2", _at(500)))
        comment = SurveyAnswer("conv-h6", "comment", "оператор не помог", _at(303), "h6")
        await uow.recorder.survey_answer(comment)
        await uow.commit()


async def test_the_export_carries_each_conversations_hand_off(
    units: SqlUnits, database: AsyncEngine
) -> None:
    await _handoff_period(units)
    async with units() as uow:  # a second case in the first conversation
        await uow.cases.open(_case("h1-again", _at(20), conversation="conv-h1"))
        await uow.commit()
    rows = {
        row[0]: dict(zip(COLUMNS, row, strict=True))
        async for batch in stream_rows(database, Filters())
        for row in batch
    }
    first = rows["conv-h1"]
    handed = (first["cases"], first["case_kind"], first["case_resolution"])
    assert handed == (2, "question", "answered")  # two cases; the first one described
    assert (first["case_wait_seconds"], first["case_handling_seconds"]) == (120.0, 600.0)
    assert (first["csat"], first["operator_csat"]) == (2, 5)  # each about whom it rates
    assert rows["conv-h3"]["case_kind"] == "complaint"
    assert rows["conv-h6"]["csat"] is None  # the operator's rating is not the assistant's
    assert rows["conv-h6"]["comment"] is None
    waiting = rows["conv-h7"]
    assert (waiting["cases"], waiting["case_wait_seconds"], waiting["case_resolution"]) == (
        1, None, None,
    )  # fmt: skip
    assert len(rows) == 7


async def test_the_report_shows_hand_offs_and_rates_operators_with_enough_ratings(
    units: SqlUnits, database: AsyncEngine
) -> None:
    await _handoff_period(units)
    figures = await compute(database, Filters())
    handoffs = figures.handoffs
    assert (handoffs.cases, handoffs.complaints, handoffs.unclosed) == (7, 3, 1)
    assert handoffs.median_wait == pytest.approx(5 * 60)  # waits 2, 4, 6, 8, 10, 1 minutes
    assert handoffs.median_handling == pytest.approx(8 * 60)  # 10, 6, 20, 2, 30, 1 minutes
    assert handoffs.resolutions == {"answered": 4, "redirected": 1, "not_answered": 1}
    assert handoffs.complaints_by_situation == {"child_birth": 2, "passport": 1}
    anna, boris = handoffs.csat_by_operator["Анна"], handoffs.csat_by_operator["Борис"]
    assert (anna.value, anna.count) == (pytest.approx(4.2), 5)
    assert (boris.value, boris.count) == (None, 1)  # one rating: not shown
    assert figures.surveyed == 1  # only the assistant's own survey counts for the assistant
    assert figures.by_situation["—"].csat.count == 1
    assert [c[2] for c in figures.comments] == []
    assert [(c[1], c[2]) for c in handoffs.comments] == [("Борис", "оператор не помог")]

    html = render(figures, {"child_birth": "Рождение ребёнка"}, "2026-03-01", "2026-03-31")
    section = html[html.index("<h2>Передача оператору</h2>") :]
    assert '<span class="kpi">7</span> обращений к оператору' in section
    assert "(медиана): 5 мин 0 с (n=6)" in section
    assert "(медиана): 8 мин 0 с (n=6)" in section
    assert "<td>оператор ответил</td><td>4</td>" in section
    assert "<td>ещё не закрыто</td><td>1</td>" in section
    assert "<td>Рождение ребёнка</td><td>2</td>" in section
    assert "<td>Анна</td><td>4.20</td><td>5</td>" in section
    assert "<td>Борис</td><td>мало оценок</td><td>1</td>" in section


async def test_a_period_without_hand_offs_says_so(database: AsyncEngine) -> None:
    figures = await compute(database, Filters())
    html = render(figures, {}, "2026-03-01", "2026-03-31")
    assert "За этот период обращений к оператору не было." in html
