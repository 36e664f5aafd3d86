"""The report's hand-off figures: cases handed to operators in the period's conversations,
how long citizens waited, how the cases ended, and how citizens rated each operator.

A survey answer with a case is about the operator, never about the assistant: it counts here
and nowhere else in the report."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import models
from storage.analytics.means import MIN_COUNT, Mean
from storage.analytics.rows import Filters, seconds, where
from storage.models import table_of

_C = table_of(models.Conversation)
_K = table_of(models.Case)
_A = table_of(models.SurveyAnswer)
_TIMES = (_K.c.opened_at, _K.c.claimed_at, _K.c.closed_at)


@dataclass
class Handoffs:
    cases: int = 0
    complaints: int = 0
    off_hours: int = 0  # opened when no operator worked
    unclosed: int = 0
    waits: list[float] = field(default_factory=list)  # seconds from opened to claimed
    handling: list[float] = field(default_factory=list)  # seconds from claimed to closed
    resolutions: Counter[str] = field(default_factory=Counter)
    complaints_by_situation: Counter[str] = field(default_factory=Counter)
    csat_by_operator: dict[str, Mean] = field(default_factory=lambda: defaultdict(Mean))
    comments: list[tuple[dt.datetime, str, str]] = field(default_factory=list)  # operator's

    @property
    def median_wait(self) -> float | None:
        return _median(self.waits)

    @property
    def median_handling(self) -> float | None:
        return _median(self.handling)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if len(values) >= MIN_COUNT else None


async def find_handoffs(engine: AsyncEngine, filters: Filters, top: int = 15) -> Handoffs:
    found = Handoffs()
    await _cases(engine, filters, found)
    await _ratings(engine, filters, found)
    found.comments = await _comments(engine, filters, top)
    return found


async def _cases(engine: AsyncEngine, filters: Filters, found: Handoffs) -> None:
    query = (
        select(_K.c.kind, _K.c.situation_id, _K.c.off_hours, *_TIMES, _K.c.resolution)
        .select_from(_K.join(_C, _C.c.id == _K.c.conversation_id))
        .where(*where(filters))
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    for kind, situation, off_hours, opened, claimed, closed, resolution in rows:
        found.cases += 1
        found.off_hours += bool(off_hours)
        if kind == "complaint":
            found.complaints += 1
            found.complaints_by_situation[situation or "—"] += 1
        if (wait := seconds(opened, claimed)) is not None:
            found.waits.append(wait)
        if (handling := seconds(claimed, closed)) is not None:
            found.handling.append(handling)
        if resolution is None:
            found.unclosed += 1
        else:
            found.resolutions[resolution] += 1


async def _ratings(engine: AsyncEngine, filters: Filters, found: Handoffs) -> None:
    rated = and_(_A.c.case_id == _K.c.id, _A.c.question == "csat")
    query = (
        select(_K.c.operator, _A.c.value)
        .select_from(_A.join(_K, rated).join(_C, _C.c.id == _K.c.conversation_id))
        .where(_K.c.operator.is_not(None), *where(filters))
    )
    async with engine.connect() as connection:
        for operator, value in (await connection.execute(query)).all():
            found.csat_by_operator[operator].add(int(value))


async def _comments(
    engine: AsyncEngine, filters: Filters, top: int
) -> list[tuple[dt.datetime, str, str]]:
    about = and_(_A.c.case_id == _K.c.id, _A.c.question == "comment")
    query = (
        select(_A.c.answered_at, _K.c.operator, _A.c.value)
        .select_from(_A.join(_K, about).join(_C, _C.c.id == _K.c.conversation_id))
        .where(*where(filters))
        .order_by(_A.c.answered_at.desc())
        .limit(top)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [(at, operator or "—", text) for at, operator, text in rows]
