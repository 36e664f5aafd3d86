"""A personal plan: only the steps that apply to the citizen's answers, with real dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from dialogs.calendar import add_working_days
from dialogs.dates import add_months
from knowledge_base.model import Deadline, Situation, Step


def applies(step: Step, answers: Mapping[str, str]) -> bool:
    """A condition on a skipped question counts as met: one step too many beats one missed."""
    return all(
        question_id not in answers or answers[question_id] in option_ids
        for question_id, option_ids in step.when.items()
    )


def personal_steps(situation: Situation, answers: Mapping[str, str]) -> list[Step]:
    return [step for step in situation.steps if applies(step, answers)]


def due_date(deadline: Deadline | None, event_date: dt.date | None) -> dt.date | None:
    if deadline is None or event_date is None or not deadline.is_relative:
        return None
    due = add_months(event_date, 12 * (deadline.years or 0) + (deadline.months or 0))
    due += dt.timedelta(days=deadline.days or 0)
    return add_working_days(due, deadline.working_days) if deadline.working_days else due
