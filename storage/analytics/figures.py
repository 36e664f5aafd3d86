"""The report's figures, aggregated in one pass over the conversations of a period."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import models
from storage.analytics.gaps import Gap, find_gaps
from storage.analytics.handoffs import Handoffs, find_handoffs
from storage.analytics.means import MIN_COUNT, Mean
from storage.analytics.results import Paths, add_outcomes, add_steps_done
from storage.analytics.rows import Filters, stream_raw, where
from storage.models import table_of

__all__ = ["MIN_COUNT", "Figures", "Group", "Mean", "compute"]


@dataclass
class Group:
    conversations: int = 0
    csat: Mean = field(default_factory=Mean)
    effort: Mean = field(default_factory=Mean)


@dataclass
class Figures:
    conversations: int = 0
    surveyed: int = 0
    by_situation: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    by_channel: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    by_week: dict[dt.date, Group] = field(default_factory=lambda: defaultdict(Group))
    answered: Counter[str] = field(default_factory=Counter)
    unsurveyed_ends: Counter[tuple[str, str]] = field(default_factory=Counter)
    misunderstood: list[tuple[str, int]] = field(default_factory=list)
    unanswered: list[tuple[str, int]] = field(default_factory=list)  # follow-ups, for editors
    follow_ups: list[tuple[str, int]] = field(default_factory=list)  # answered, by answer
    gaps: dict[str | None, list[Gap]] = field(default_factory=dict)  # what editors add next
    comments: list[tuple[dt.datetime, str, str]] = field(default_factory=list)
    handoffs: Handoffs = field(default_factory=Handoffs)  # cases handed to operators
    paths: Paths = field(default_factory=Paths)  # plan steps marked done: time to result

    @property
    def response_rate(self) -> float | None:
        return self.surveyed / self.conversations if self.conversations >= MIN_COUNT else None


async def compute(engine: AsyncEngine, filters: Filters, top: int = 15) -> Figures:
    figures = Figures()
    async for row in stream_raw(engine, filters):
        _add(figures, row)
    figures.misunderstood = await _misunderstood(engine, filters, top)
    figures.unanswered = await _follow_ups(engine, filters, top, unanswered=True)
    figures.follow_ups = await _follow_ups(engine, filters, top, unanswered=False)
    figures.gaps = await find_gaps(engine, filters, top=5)
    figures.comments = await _latest_comments(engine, filters, top)
    figures.handoffs = await find_handoffs(engine, filters, top)
    await add_steps_done(engine, filters, figures.paths)
    await add_outcomes(engine, filters, figures.paths)
    return figures


def _add(figures: Figures, row: Sequence[Any]) -> None:
    (_, _, channel, situation, _, started, _, _, _, reason, _, csat, effort, answered,
     comment, last_step, situations, *_cases) = row  # fmt: skip
    figures.conversations += 1
    figures.paths.conversation(situation, situations)
    surveyed = any(v is not None for v in (csat, effort, answered, comment))
    figures.surveyed += surveyed
    week = (started - dt.timedelta(days=started.weekday())).date()
    for group in (
        figures.by_situation[situation or "—"],
        figures.by_channel[channel],
        figures.by_week[week],
    ):
        group.conversations += 1
        group.csat.add(int(csat) if csat else None)
        group.effort.add(int(effort) if effort else None)
    if answered:
        figures.answered[answered] += 1
    if not surveyed:
        figures.unsurveyed_ends[(situation or "—", last_step or reason or "—")] += 1


async def _misunderstood(engine: AsyncEngine, filters: Filters, top: int) -> list[tuple[str, int]]:
    messages, conversations = table_of(models.Message), table_of(models.Conversation)
    query = (
        select(messages.c.text, func.count().label("times"))
        .select_from(
            messages.join(conversations, conversations.c.id == messages.c.conversation_id)
        )
        .where(and_(messages.c.understood.is_(False), messages.c.kind == "text", *where(filters)))
        .group_by(messages.c.text)
        .order_by(func.count().desc(), messages.c.text)
        .limit(top)
    )
    async with engine.connect() as connection:
        return [(text, int(times)) for text, times in (await connection.execute(query)).all()]


async def _follow_ups(
    engine: AsyncEngine, filters: Filters, top: int, *, unanswered: bool
) -> list[tuple[str, int]]:
    """Questions asked inside a plan: the texts of those without an answer (what editors
    should add), or the answers given and how often."""
    messages, conversations = table_of(models.Message), table_of(models.Conversation)
    column = messages.c.text if unanswered else messages.c.follow_up
    kind = (
        messages.c.follow_up == "unanswered"
        if unanswered
        else and_(messages.c.follow_up.is_not(None), messages.c.follow_up != "unanswered")
    )
    query = (
        select(column, func.count().label("times"))
        .select_from(
            messages.join(conversations, conversations.c.id == messages.c.conversation_id)
        )
        .where(and_(kind, *where(filters)))
        .group_by(column)
        .order_by(func.count().desc(), column)
        .limit(top)
    )
    async with engine.connect() as connection:
        return [(str(text), int(times)) for text, times in (await connection.execute(query)).all()]


async def _latest_comments(
    engine: AsyncEngine, filters: Filters, top: int
) -> list[tuple[dt.datetime, str, str]]:
    answers, conversations = table_of(models.SurveyAnswer), table_of(models.Conversation)
    query = (
        select(answers.c.answered_at, conversations.c.situation_id, answers.c.value)
        .select_from(answers.join(conversations, conversations.c.id == answers.c.conversation_id))
        .where(answers.c.question == "comment", answers.c.case_id.is_(None), *where(filters))
        .order_by(answers.c.answered_at.desc())
        .limit(top)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [(at, situation or "—", text) for at, situation, text in rows]
