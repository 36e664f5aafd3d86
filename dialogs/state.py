"""Conversation state: everything needed to continue a conversation in any process."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Phase = Literal["menu", "questions", "plan"]
SurveyQuestion = Literal["csat", "effort", "answered", "comment"]
EndReason = Literal["plan_finished", "farewell", "idle", "restart"]


def new_conversation_id() -> str:
    return uuid.uuid4().hex


class SavedPlan(BaseModel):
    """Where the citizen stands in one situation: kept when they go elsewhere, so that the
    plan comes back without answering again (also in a later conversation)."""

    model_config = ConfigDict(extra="ignore")

    phase: Phase = "questions"
    question_index: int = 0
    answers: dict[str, str] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)
    event_date: dt.date | None = None
    step_index: int = -1
    done: list[str] = Field(default_factory=list)  # steps the citizen marked done


HandoffStage = Literal["asking", "open"]
CaseKindName = Literal["question", "complaint"]


class Handoff(BaseModel):
    """The citizen is with a person: asked for their question (``asking``), then a case
    (``open``) whose lines their messages become until it closes."""

    model_config = ConfigDict(extra="ignore")

    stage: HandoffStage = "asking"
    kind: CaseKindName = "question"
    case_id: str | None = None


class CaseSurvey(BaseModel):
    """The survey about an operator's help, after the case closed; answers carry the case."""

    model_config = ConfigDict(extra="ignore")

    case_id: str
    pending: SurveyQuestion | None = "csat"
    answered: list[SurveyQuestion] = Field(default_factory=list)


class ConversationState(BaseModel):
    """Serialised as JSON by every session store; bump ``schema_version`` on breaking changes."""

    model_config = ConfigDict(extra="ignore")

    schema_version: int = 2
    conversation_id: str = Field(default_factory=new_conversation_id)
    started_at: dt.datetime
    last_event_at: dt.datetime
    phase: Phase = "menu"
    category_id: str | None = None
    situation_id: str | None = None
    question_index: int = 0
    answers: dict[str, str] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)  # questions the citizen chose to skip
    event_date: dt.date | None = None
    step_index: int = -1  # -1 is the plan overview
    editing: str | None = None  # the question being changed from the plan («Изменить ответы»)
    pending_switch: str | None = None
    offered: list[str] = Field(default_factory=list)  # «Вы имели в виду…?» asked about these
    plans: dict[str, SavedPlan] = Field(default_factory=dict)  # other situations, kept
    situations: list[str] = Field(default_factory=list)  # every situation this conversation
    timezone: str | None = None  # the citizen's, once their region is known
    actions: int = 0
    not_understood: int = 0
    misunderstood_streak: int = 0
    human_requested: bool = False
    ended_at: dt.datetime | None = None
    end_reason: EndReason | None = None
    survey_asked: bool = False
    survey_pending: SurveyQuestion | None = None
    survey_answered: list[SurveyQuestion] = Field(default_factory=list)
    # The previous conversation's id, so that its survey buttons still count after it closed.
    earlier_conversation_id: str | None = None
    earlier_survey_answered: list[SurveyQuestion] = Field(default_factory=list)
    closed: bool = False
    handoff: Handoff | None = None
    case_survey: CaseSurvey | None = None
    done: list[str] = Field(default_factory=list)  # steps of this situation marked done
    reminding: list[str] = Field(default_factory=list)  # situations with reminders on
    checked_in: list[str] = Field(default_factory=list)  # plans whose result was told: once

    @classmethod
    def start(cls, at: dt.datetime, after: ConversationState | None = None) -> ConversationState:
        """A new conversation; the citizen's plans and time zone come along. One that was
        left unfinished (idle) also keeps its place: the citizen continues where they were."""
        fresh = cls(started_at=at, last_event_at=at)
        if after is None:
            return fresh
        if after.survey_asked:
            fresh.earlier_conversation_id = after.conversation_id
            fresh.earlier_survey_answered = list(after.survey_answered)
        fresh.timezone = after.timezone
        fresh.plans = dict(after.plans)
        fresh.handoff = after.handoff  # an open case goes on: the operator's answer still comes
        fresh.reminding = list(after.reminding)
        fresh.checked_in = list(after.checked_in)
        fresh.case_survey = after.case_survey
        if after.end_reason in (None, "idle") and after.situation_id:
            fresh.plans.pop(after.situation_id, None)
            fresh.restore(after.situation_id, after.saved_plan(), after.category_id)
        elif (saved := after.saved_plan()) is not None and after.situation_id:
            fresh.plans[after.situation_id] = saved
        return fresh

    @property
    def in_survey(self) -> bool:
        return self.survey_pending is not None

    def end(self, at: dt.datetime, reason: EndReason) -> None:
        self.ended_at = at
        self.end_reason = reason

    def leave_survey(self) -> None:
        """The citizen went on talking instead of answering: the conversation goes on, but
        keeps how it first ended, and its survey is not asked again."""
        self.survey_pending = None

    def saved_plan(self) -> SavedPlan | None:
        """The current situation's place, if the citizen has told anything in it."""
        if self.situation_id is None or self.phase == "menu":
            return None
        if self.phase == "questions" and not self.answers and not self.skipped:
            return None
        phase = "plan" if self.phase == "plan" or self.editing else "questions"
        return SavedPlan(
            phase=phase,
            question_index=self.question_index,
            answers=dict(self.answers),
            skipped=list(self.skipped),
            event_date=self.event_date,
            step_index=self.step_index if phase == "plan" else -1,
            done=list(self.done),
        )

    def restore(self, situation_id: str, saved: SavedPlan | None, category: str | None) -> None:
        self.situation_id = situation_id
        self.category_id = category
        if situation_id not in self.situations:
            self.situations.append(situation_id)
        if saved is None:
            self.phase, self.question_index, self.answers, self.skipped = "questions", 0, {}, []
            self.event_date, self.step_index, self.done = None, -1, []
            return
        self.phase = saved.phase
        self.question_index = saved.question_index
        self.answers = dict(saved.answers)
        self.skipped = list(saved.skipped)
        self.event_date = saved.event_date
        self.step_index = saved.step_index
        self.done = list(saved.done)

    def reset_situation(self) -> None:
        """Leave the current situation; what the citizen told in it is kept as a plan."""
        if (saved := self.saved_plan()) is not None and self.situation_id:
            self.plans[self.situation_id] = saved
        self.phase = "menu"
        self.situation_id = None
        self.category_id = None
        self.question_index = 0
        self.answers = {}
        self.skipped = []
        self.event_date = None
        self.step_index = -1
        self.done = []
        self.editing = None
        self.pending_switch = None

    @property
    def last_situation(self) -> str | None:
        return self.situation_id or (self.situations[-1] if self.situations else None)

    def known_plans(self) -> list[str]:
        """Situations with a plan or answers: the current one first."""
        current = (
            [self.situation_id] if self.saved_plan() is not None and self.situation_id else []
        )
        return current + [sid for sid in self.plans if sid not in current]
