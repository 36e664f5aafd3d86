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


class ConversationState(BaseModel):
    """Serialised as JSON by every session store; bump ``schema_version`` on breaking changes."""

    model_config = ConfigDict(extra="ignore")

    schema_version: int = 1
    conversation_id: str = Field(default_factory=new_conversation_id)
    started_at: dt.datetime
    last_event_at: dt.datetime
    phase: Phase = "menu"
    category_id: str | None = None
    situation_id: str | None = None
    question_index: int = 0
    answers: dict[str, str] = Field(default_factory=dict)
    event_date: dt.date | None = None
    step_index: int = -1  # -1 is the plan overview
    pending_switch: str | None = None
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
    closed: bool = False

    @classmethod
    def start(cls, at: dt.datetime, after: ConversationState | None = None) -> ConversationState:
        earlier = after.conversation_id if after and after.survey_asked else None
        return cls(started_at=at, last_event_at=at, earlier_conversation_id=earlier)

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

    def reset_situation(self) -> None:
        self.phase = "menu"
        self.situation_id = None
        self.category_id = None
        self.question_index = 0
        self.answers = {}
        self.event_date = None
        self.step_index = -1
        self.pending_switch = None
