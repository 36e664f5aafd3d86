"""The cases port in SQL: citizens handed to operators, and the lines of each case.

Claiming, releasing and closing are each one conditional ``UPDATE`` whose row count is the
answer: the database decides who was first, so two operators (in two processes) claiming one
case at once get exactly one True. Nothing here commits: the unit of work does.

What the citizen wrote (the question, their lines, their answers) is masked like every stored
message; operators' and the assistant's lines are stored as given.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.cases import (
    Author,
    CaseDetail,
    CaseKind,
    CaseLine,
    CaseOpened,
    CaseStatus,
    CaseSummary,
    Resolution,
)
from dialogs.contract import Address
from storage import models
from storage.masking import mask_personal_data
from storage.models import table_of

Masker = Callable[[str], str]

_CASES = table_of(models.Case)
_LINES = table_of(models.CaseLine)
_INSERT_CASE = insert(_CASES)
_INSERT_LINE = insert(_LINES)
_MESSAGES = table_of(models.Message)
RECENT_MESSAGES = 6  # the last turns an operator sees before the case's own lines


class SqlCases:
    def __init__(self, session: AsyncSession, masker: Masker = mask_personal_data) -> None:
        self._session = session
        self._mask = masker

    async def open(self, case: CaseOpened) -> None:
        answers = [[question, self._mask(answer)] for question, answer in case.answers]
        await self._session.execute(_INSERT_CASE, {
            "id": case.case_id, "conversation_id": case.conversation_id,
            "session_key": case.session_key, "channel": case.address.channel,
            "chat_id": case.address.chat_id, "kind": case.kind, "status": "queued",
            "situation_id": case.situation_id, "step_title": case.step_title,
            "question": self._mask(case.question),
            "answers": json.dumps(answers, ensure_ascii=False),
            "off_hours": case.off_hours, "opened_at": case.opened_at,
        })  # fmt: skip
        recent = case.recent or await self._last_messages(case.conversation_id)
        if recent:  # the turns before the case come first among its lines
            await self._session.execute(
                _INSERT_LINE, [self._line(case.case_id, line) for line in recent]
            )

    async def _last_messages(self, conversation_id: str) -> tuple[CaseLine, ...]:
        """What the citizen typed last in the conversation, as kept (masked already)."""
        query = (
            select(_MESSAGES.c.text, _MESSAGES.c.at)
            .where(_MESSAGES.c.conversation_id == conversation_id, _MESSAGES.c.kind == "text")
            .order_by(_MESSAGES.c.id.desc())
            .limit(RECENT_MESSAGES)
        )
        rows = (await self._session.execute(query)).all()
        return tuple(CaseLine("citizen", row.text, row.at) for row in reversed(rows))

    async def get(self, case_id: str) -> CaseDetail | None:
        row = (await self._session.execute(select(_CASES).where(_CASES.c.id == case_id))).first()
        if row is None:
            return None
        query = select(_LINES).where(_LINES.c.case_id == case_id).order_by(_LINES.c.id)
        lines = tuple(_case_line(r) for r in (await self._session.execute(query)).all())
        return CaseDetail(
            _summary(row), row.conversation_id, row.session_key, Address(row.channel, row.chat_id),
            row.question, row.step_title, _answers(row.answers), lines,
        )  # fmt: skip

    async def add_line(self, case_id: str, line: CaseLine) -> None:
        await self._session.execute(_INSERT_LINE, self._line(case_id, line))

    def _line(self, case_id: str, line: CaseLine) -> dict[str, Any]:
        text = self._mask(line.text) if line.author == "citizen" else line.text
        return {"case_id": case_id, "author": line.author, "operator": line.operator,
                "text": text, "at": line.at}  # fmt: skip

    async def queued_ahead(self, case_id: str) -> int:
        mine = select(_CASES.c.opened_at).where(_CASES.c.id == case_id).scalar_subquery()
        ahead = and_(_CASES.c.status == "queued", _CASES.c.opened_at < mine)
        return int(await self._session.scalar(select(func.count()).where(ahead)) or 0)

    async def recent_waits(self, now: dt.datetime, limit: int) -> list[dt.timedelta]:
        query = (
            select(_CASES.c.opened_at, _CASES.c.claimed_at)
            .where(_CASES.c.claimed_at.is_not(None))
            .order_by(_CASES.c.claimed_at.desc())
            .limit(limit)
        )
        rows = (await self._session.execute(query)).all()
        return [claimed - opened for opened, claimed in rows]

    async def claim(self, case_id: str, operator: str, at: dt.datetime) -> bool:
        taken = {"status": "claimed", "operator": operator, "claimed_at": at}
        return await self._change(case_id, [_CASES.c.status == "queued"], taken)

    async def release(self, case_id: str, operator: str) -> bool:
        # claimed_at stays, as in MemoryCases: a new claim sets it again.
        held = [_CASES.c.status == "claimed", _CASES.c.operator == operator]
        return await self._change(case_id, held, {"status": "queued", "operator": None})

    async def close(
        self, case_id: str, operator: str | None, resolution: Resolution, at: dt.datetime
    ) -> bool:
        open_case: list[ColumnElement[bool]] = [_CASES.c.status != "closed"]
        if operator is not None:  # a held case is closed by its holder; an unheld one by anyone
            open_case.append(or_(_CASES.c.operator.is_(None), _CASES.c.operator == operator))
        closed = {"status": "closed", "resolution": resolution, "closed_at": at,
                  "operator": func.coalesce(_CASES.c.operator, operator)}  # fmt: skip
        return await self._change(case_id, open_case, closed)

    async def _change(
        self, case_id: str, conditions: Sequence[ColumnElement[bool]], values: dict[str, Any]
    ) -> bool:
        statement = update(_CASES).where(_CASES.c.id == case_id, *conditions).values(values)
        result = await self._session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def citizen_unreachable(self, case_id: str, at: dt.datetime) -> None:
        # The first refusal is the moment the citizen was lost; later ones change nothing.
        first = func.coalesce(_CASES.c.citizen_blocked_at, at)
        statement = update(_CASES).where(_CASES.c.id == case_id).values(citizen_blocked_at=first)
        await self._session.execute(statement)

    async def listing(self, status: CaseStatus, limit: int) -> list[CaseSummary]:
        newest_first = status == "closed"
        opened = _CASES.c.opened_at.desc() if newest_first else _CASES.c.opened_at
        ids = _CASES.c.id.desc() if newest_first else _CASES.c.id
        query = select(_CASES).where(_CASES.c.status == status).order_by(opened, ids).limit(limit)
        return [_summary(row) for row in (await self._session.execute(query)).all()]


def _summary(row: Row[Any]) -> CaseSummary:
    return CaseSummary(
        row.id, cast(CaseKind, row.kind), cast(CaseStatus, row.status), row.channel,
        row.situation_id, row.opened_at, row.claimed_at, row.closed_at, row.operator,
        cast(Resolution | None, row.resolution), row.citizen_blocked_at is not None,
        bool(row.off_hours),
    )  # fmt: skip


def _case_line(row: Row[Any]) -> CaseLine:
    return CaseLine(cast(Author, row.author), row.text, row.at, row.operator)


def _answers(raw: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(question), str(answer)) for question, answer in json.loads(raw))
