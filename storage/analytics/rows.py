"""One row per conversation with its survey answers, streamed from the database in batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from storage import models
from storage.models import table_of

COLUMNS = (
    "conversation_id", "citizen", "channel", "situation", "category", "started_at", "ended_at",
    "duration_seconds", "actions", "not_understood", "end_reason", "human_requested", "csat",
    "effort", "answered", "comment", "situations",
    # The conversation's cases (handed to an operator): how many, and about its first one.
    "cases", "case_kind", "case_wait_seconds", "case_handling_seconds", "case_resolution",
    "operator_csat",
    # The plan steps the citizen marked done, and how long from the start to the whole plan.
    "steps_done", "plan_done_seconds",
)  # fmt: skip
ANSWERED_RU = {"yes": "да", "partly": "частично", "no": "нет"}
CITIZEN_CHARS = 16  # of the keyed hash: unique enough, short enough for a spreadsheet


@dataclass(frozen=True, slots=True)
class Filters:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    channel: str | None = None
    situation: str | None = None


_C = table_of(models.Conversation)
_Z = table_of(models.Citizen)
_A = table_of(models.SurveyAnswer)
_K = table_of(models.Case)
_S = table_of(models.StepDone)


def _answer(question: str) -> Any:
    return _A.alias(f"answer_{question}")


def _first_cases() -> Any:
    """Each conversation's first case, with how many it had."""
    mine = _K.c.conversation_id
    order = (_K.c.opened_at, _K.c.id)
    return select(
        _K.c.conversation_id, _K.c.id, _K.c.kind, _K.c.opened_at, _K.c.claimed_at,
        _K.c.closed_at, _K.c.resolution,
        func.row_number().over(partition_by=mine, order_by=order).label("n"),
        func.count().over(partition_by=mine).label("total"),
    ).subquery("first_case")  # fmt: skip


def _steps() -> Any:
    """Each conversation's steps done, and when its plan was first done."""
    plan_done = case((_S.c.plan_done.is_(True), _S.c.at))
    return (
        select(_S.c.conversation_id, func.count().label("done"),
               func.min(plan_done).label("plan_done_at"))
        .group_by(_S.c.conversation_id)
        .subquery("steps")
    )  # fmt: skip


def conversations_query(filters: Filters) -> Select[Any]:
    answers = {q: _answer(q) for q in ("csat", "effort", "answered", "comment")}
    joined = _C.outerjoin(_Z, _Z.c.id == _C.c.citizen_id)
    for question, alias in answers.items():  # about the assistant: answers about operators aside
        about = and_(alias.c.conversation_id == _C.c.id, alias.c.question == question,
                     alias.c.case_id.is_(None))  # fmt: skip
        joined = joined.outerjoin(alias, about)
    first, rated = _first_cases(), _A.alias("operator_csat")
    joined = joined.outerjoin(first, and_(first.c.conversation_id == _C.c.id, first.c.n == 1))
    joined = joined.outerjoin(
        rated, and_(rated.c.case_id == first.c.id, rated.c.question == "csat")
    )
    steps = _steps()
    joined = joined.outerjoin(steps, steps.c.conversation_id == _C.c.id)
    return (
        select(
            _C.c.id,
            _Z.c.pseudonym,
            _C.c.channel,
            _C.c.situation_id,
            _C.c.category_id,
            _C.c.started_at,
            _C.c.ended_at,
            _C.c.actions,
            _C.c.not_understood,
            _C.c.end_reason,
            _C.c.human_requested,
            answers["csat"].c.value,
            answers["effort"].c.value,
            answers["answered"].c.value,
            answers["comment"].c.value,
            _C.c.last_step_id,
            _C.c.situations,
            first.c.total,
            first.c.kind,
            first.c.opened_at,
            first.c.claimed_at,
            first.c.closed_at,
            first.c.resolution,
            rated.c.value,
            steps.c.done,
            steps.c.plan_done_at,
        )
        .select_from(joined)
        .where(*where(filters))
        .order_by(_C.c.started_at, _C.c.id)
    )


def where(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.since is not None:
        found.append(_C.c.started_at >= filters.since)
    if filters.until is not None:
        found.append(_C.c.started_at < filters.until)
    if filters.channel:
        found.append(_C.c.channel == filters.channel)
    if filters.situation:
        found.append(_C.c.situation_id == filters.situation)
    return found


async def count(engine: AsyncEngine, filters: Filters) -> int:
    async with engine.connect() as connection:
        total = await connection.scalar(
            select(func.count()).select_from(_C).where(*where(filters))
        )
    return int(total or 0)


def export_row(raw: Sequence[Any]) -> tuple[Any, ...]:
    (cid, pseudonym, channel, situation, category, started, ended, actions, not_understood,
     reason, human, csat, effort, answered, comment, _step, situations, *rest) = raw  # fmt: skip
    *first_case, done, plan_done_at = rest
    return (
        cid, pseudonym[:CITIZEN_CHARS] if pseudonym else None, channel, situation, category,
        started, ended, seconds(started, ended), actions, not_understood, reason, bool(human),
        int(csat) if csat else None, int(effort) if effort else None,
        ANSWERED_RU.get(answered) if answered else None, comment, situations, *_case(first_case),
        int(done or 0), seconds(started, plan_done_at),
    )  # fmt: skip


def _case(raw: Sequence[Any]) -> tuple[Any, ...]:
    total, kind, opened, claimed, closed, resolution, rating = raw
    return (
        int(total or 0), kind, seconds(opened, claimed), seconds(claimed, closed), resolution,
        int(rating) if rating else None,
    )  # fmt: skip


def seconds(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None


async def stream_rows(
    engine: AsyncEngine, filters: Filters, batch: int = 10_000
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """Batches of export rows; a server-side cursor keeps memory flat at any size."""
    query = conversations_query(filters).execution_options(yield_per=batch)
    async with engine.connect() as connection:
        result = await connection.stream(query)
        async for partition in result.partitions(batch):
            yield [export_row(row) for row in partition]


async def stream_raw(
    engine: AsyncEngine, filters: Filters, batch: int = 10_000
) -> AsyncIterator[Sequence[Any]]:
    """The query's rows as they are (the report aggregates them)."""
    query = conversations_query(filters).execution_options(yield_per=batch)
    async with engine.connect() as connection:
        result = await connection.stream(query)
        async for partition in result.partitions(batch):
            for row in partition:
                yield row
