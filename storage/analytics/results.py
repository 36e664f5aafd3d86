"""The report's «path to result»: per situation, how many conversations that reached it had a
plan step marked done, and how long from the first message to the first step done and to the
whole plan done. Medians and shares resting on fewer than ``MIN_COUNT`` values are hidden."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import models
from storage.analytics.means import MIN_COUNT
from storage.analytics.rows import Filters, seconds, where
from storage.models import table_of

_C = table_of(models.Conversation)
_S = table_of(models.StepDone)


@dataclass
class PlanPath:
    conversations: int = 0  # that reached the situation, and so were given its plan
    with_step: int = 0  # of them, with at least one step marked done
    to_step: list[float] = field(default_factory=list)  # seconds to the first step done
    to_plan: list[float] = field(default_factory=list)  # seconds to the whole plan done
    # Answers to «Получилось ли…?»: yes, not_yet, problem (an unresolved result).
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def share(self) -> float | None:
        if self.conversations < MIN_COUNT:
            return None
        return min(1.0, self.with_step / self.conversations)

    @property
    def median_to_step(self) -> float | None:
        return _median(self.to_step)

    @property
    def median_to_plan(self) -> float | None:
        return _median(self.to_plan)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if len(values) >= MIN_COUNT else None


@dataclass
class Paths:
    by_situation: dict[str, PlanPath] = field(default_factory=lambda: defaultdict(PlanPath))

    def conversation(self, situation: str | None, situations: str | None) -> None:
        """One conversation of the period: each situation it touched counts once."""
        touched = set((situations or "").split()) or ({situation} if situation else set())
        for situation_id in touched:
            self.by_situation[situation_id].conversations += 1

    def steps(self, situation: str, started: dt.datetime, first: dt.datetime,
              plan_done: dt.datetime | None) -> None:  # fmt: skip
        path = self.by_situation[situation]
        path.with_step += 1
        if (to_step := seconds(started, first)) is not None:
            path.to_step.append(to_step)
        if (to_plan := seconds(started, plan_done)) is not None:
            path.to_plan.append(to_plan)


async def add_outcomes(engine: AsyncEngine, filters: Filters, paths: Paths) -> None:
    """The check-ins' answers, by the situation of the conversation they were given in."""
    answers = table_of(models.SurveyAnswer)
    query = (
        select(_C.c.situation_id, answers.c.value, func.count())
        .select_from(answers.join(_C, _C.c.id == answers.c.conversation_id))
        .where(answers.c.question == "result", *where(filters))
        .group_by(_C.c.situation_id, answers.c.value)
    )
    async with engine.connect() as connection:
        for situation, value, count in (await connection.execute(query)).all():
            paths.by_situation[situation or "none"].outcomes[value] += int(count)


async def add_steps_done(engine: AsyncEngine, filters: Filters, paths: Paths) -> None:
    """The steps done in the period's conversations, one row per conversation and plan."""
    plan_done = func.min(case((_S.c.plan_done.is_(True), _S.c.at)))
    query = (
        select(_S.c.situation_id, _C.c.started_at, func.min(_S.c.at), plan_done)
        .select_from(_S.join(_C, _C.c.id == _S.c.conversation_id))
        .where(*where(filters))
        .group_by(_S.c.conversation_id, _S.c.situation_id, _C.c.started_at)
    )
    async with engine.connect() as connection:
        for situation, started, first, done in (await connection.execute(query)).all():
            paths.steps(situation, started, first, done)
