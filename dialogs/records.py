"""What the engine asks the recorder to keep: plain values, no ORM."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

MessageKind = Literal["text", "button", "command"]


@dataclass(frozen=True, slots=True)
class ConversationOpened:
    conversation_id: str
    channel: str
    user_id: str  # the channel's raw id; storage keeps only a keyed hash of it
    started_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ConversationSnapshot:
    """The conversation's metrics as they stand after a turn."""

    conversation_id: str
    situation_id: str | None
    category_id: str | None
    actions: int
    not_understood: int
    human_requested: bool
    ended_at: dt.datetime | None
    end_reason: str | None
    last_step_id: str | None
    survey_asked: bool
    situations: tuple[str, ...] = ()  # every situation the conversation touched, in order


@dataclass(frozen=True, slots=True)
class MessageRecord:
    conversation_id: str
    at: dt.datetime
    kind: MessageKind
    text: str  # storage masks personal data before writing it
    intent: str | None
    understood: bool
    follow_up: str | None = None  # «faq:amount», «step:register_birth:cost», «unanswered»
    situation_id: str | None = None  # the situation the citizen was in when they wrote it


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    conversation_id: str
    question: str  # csat | effort | answered | comment
    value: str
    at: dt.datetime
    case_id: str | None = None  # the survey about an operator's help in this case


@dataclass(frozen=True, slots=True)
class StepDone:
    """The citizen marked a plan step done: the seed of «time to result»."""

    conversation_id: str
    situation_id: str
    step_id: str
    at: dt.datetime
    plan_done: bool  # it was the last step left of the plan
