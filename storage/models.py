"""ORM tables. Repositories map them to plain data objects; rows never leave ``storage``."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, cast

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import BigId, UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime}


class Citizen(Base):
    """A pseudonymous citizen: a keyed hash of the channel's id, never the id itself."""

    __tablename__ = "citizens"
    __table_args__ = (UniqueConstraint("channel", "pseudonym"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    pseudonym: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_started_at", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    citizen_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("citizens.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    situation_id: Mapped[str | None] = mapped_column(String(32))
    situations: Mapped[str | None] = mapped_column(String(400))  # every one touched, by spaces
    category_id: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
    actions: Mapped[int] = mapped_column(Integer, default=0)
    not_understood: Mapped[int] = mapped_column(Integer, default=0)
    human_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    last_step_id: Mapped[str | None] = mapped_column(String(32))
    survey_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The citizen blocked the bot: a proactive message (the idle survey) was refused.
    citizen_blocked_at: Mapped[dt.datetime | None]


class Message(Base):
    """What a citizen sent, with personal data masked before it is written."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_at", "at"),)  # retention deletes by age

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(32))
    understood: Mapped[bool] = mapped_column(Boolean)
    # A question asked inside a plan: «faq:<id>», «step:<step>:<aspect>» or «unanswered».
    follow_up: Mapped[str | None] = mapped_column(String(64), index=True)
    situation_id: Mapped[str | None] = mapped_column(String(32))  # where the citizen was


_ABOUT_ASSISTANT = text("case_id IS NULL")
_ABOUT_OPERATOR = text("case_id IS NOT NULL")


class SurveyAnswer(Base):
    """One answer per question: about the assistant once per conversation, about an operator
    once per case (a conversation may have both, and several cases)."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        Index("uq_survey_answers_conversation_question", "conversation_id", "question",
              unique=True, sqlite_where=_ABOUT_ASSISTANT, postgresql_where=_ABOUT_ASSISTANT),
        Index("uq_survey_answers_case_question", "case_id", "question",
              unique=True, sqlite_where=_ABOUT_OPERATOR, postgresql_where=_ABOUT_OPERATOR),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    question: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[dt.datetime]
    case_id: Mapped[str | None] = mapped_column(String(32))  # set: the answer rates an operator


class DialogSession(Base):
    """The conversation state shared by every process serving the bot."""

    __tablename__ = "dialog_sessions"
    __table_args__ = (Index("ix_dialog_sessions_idle", "channel", "idle_due_at"),)

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))  # needed to send the idle survey
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime]
    idle_due_at: Mapped[dt.datetime | None]


class ProcessedEvent(Base):
    """Updates already handled: a channel that delivers one twice gets one answer."""

    __tablename__ = "processed_events"
    __table_args__ = (Index("ix_processed_events_at", "at"),)

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[dt.datetime]
    replies: Mapped[str | None] = mapped_column(Text)  # JSON: given again to a redelivery


class Delivery(Base):
    """The outbox: a message the assistant sends first (the idle survey), kept until it is
    delivered. The chat id is here only until then: the row is deleted on delivery."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_channel_claimed", "channel", "claimed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(32))
    replies: Mapped[str] = mapped_column(Text)  # JSON: texts and buttons, as the engine made them
    created_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    """A citizen handed to an operator. The chat id and session key are kept because the
    operator's replies go to the citizen; the desk never shows them."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "status", "opened_at"),
        Index("ix_cases_claimed_at", "claimed_at"),  # the latest waits, for the citizen's estimate
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    session_key: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # question | complaint
    status: Mapped[str] = mapped_column(String(16))  # queued | claimed | closed
    situation_id: Mapped[str | None] = mapped_column(String(32))
    step_title: Mapped[str | None] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)  # masked
    answers: Mapped[str] = mapped_column(Text)  # JSON: [[question, answer (masked)], …]
    off_hours: Mapped[bool] = mapped_column(Boolean)
    opened_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    operator: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(16))
    citizen_blocked_at: Mapped[dt.datetime | None]


class CaseLine(Base):
    """A line of a case: the citizen's (masked), the operator's or the assistant's."""

    __tablename__ = "case_lines"
    __table_args__ = (
        Index("ix_case_lines_case", "case_id", "id"),
        Index("ix_case_lines_at", "at"),  # retention deletes by age
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("cases.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(16))
    operator: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime]


class OperatorAccount(Base):
    """A desk operator; only a password hash is kept (argon2, made by the desk). A password
    the desk issued (``lifebot desk add-operator``/``password``) is temporary: the operator
    must choose their own before any page opens."""

    __tablename__ = "operators"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    password_is_temporary: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class OperatorToken(Base):
    """An operator's API token, by its SHA-256: the token itself is never stored."""

    __tablename__ = "operator_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator: Mapped[str] = mapped_column(
        String(64), ForeignKey("operators.name", ondelete="CASCADE")
    )
    created_at: Mapped[dt.datetime]


class DeskSession(Base):
    """A signed-in operator's browser session, by the hash of its cookie."""

    __tablename__ = "desk_sessions"
    __table_args__ = (Index("ix_desk_sessions_expires_at", "expires_at"),)

    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator: Mapped[str] = mapped_column(
        String(64), ForeignKey("operators.name", ondelete="CASCADE")
    )
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]


class AppSecret(Base):
    """Secrets generated on first run when none is configured (the embedded default)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class Reminder(Base):
    """A reminder or a check-in the citizen asked for, kept until it is sent (then deleted):
    the chat id and session key are here only until then."""

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_sweep", "channel", "at"),
        Index("ix_reminders_plan", "session_key", "situation_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder | checkin
    session_key: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    situation_id: Mapped[str] = mapped_column(String(32))
    step_id: Mapped[str] = mapped_column(String(32))
    due: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime]


class StepDone(Base):
    """A plan step the citizen marked done: figures only (time to result), no text."""

    __tablename__ = "steps_done"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    situation_id: Mapped[str] = mapped_column(String(32), index=True)
    step_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime]
    plan_done: Mapped[bool] = mapped_column(Boolean)  # the last step left of the plan


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)
