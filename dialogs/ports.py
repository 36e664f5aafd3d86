"""Ports: what the engine needs from the outside world, as Protocols.

In-memory fakes live in ``dialogs.memory``; real implementations in ``storage`` and ``nlu``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from dialogs.cases import Cases
from dialogs.contract import Address, Outgoing, Reply
from dialogs.records import (
    ConversationOpened,
    ConversationSnapshot,
    MessageRecord,
    StepDone,
    SurveyAnswer,
)
from dialogs.reminders import Reminders
from dialogs.state import ConversationState
from knowledge_base.model import Category, Lexicon, Situation, Texts


class KnowledgeBase(Protocol):
    @property
    def texts(self) -> Texts: ...

    @property
    def lexicon(self) -> Lexicon: ...

    def timezone_of(self, region: str) -> str | None: ...

    @property
    def categories(self) -> Sequence[Category]: ...

    def category(self, category_id: str) -> Category | None: ...

    def situation(self, situation_id: str) -> Situation | None: ...

    def situations_in(self, category_id: str) -> list[Situation]: ...

    def category_of(self, situation_id: str) -> Category | None: ...


@dataclass(frozen=True, slots=True)
class IntentScore:
    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str  # region | date | number
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Classification:
    """A ranked guess, best first; confidences are in [0, 1]."""

    ranking: tuple[IntentScore, ...]
    entities: tuple[Entity, ...] = ()

    @property
    def top(self) -> IntentScore | None:
        return self.ranking[0] if self.ranking else None


class IntentClassifier(Protocol):
    async def classify(self, text: str, today: dt.date | None = None) -> Classification:
        """Intents and entities; relative dates («вчера») count from ``today``, the citizen's
        local day (the classifier's own clock when None)."""


@dataclass(frozen=True, slots=True)
class StoredSession:
    key: str
    address: Address
    state: ConversationState


class SessionStore(Protocol):
    async def load(self, key: str) -> ConversationState | None:
        """The state, locked against other processes until the unit of work ends."""

    async def save(
        self, key: str, address: Address, state: ConversationState, idle_due_at: dt.datetime | None
    ) -> None: ...

    async def due_for_idle(
        self, channel: str, now: dt.datetime, limit: int
    ) -> list[StoredSession]:
        """Sessions whose idle time is up, locked; others' locked rows are skipped."""

    async def forget(self, key: str) -> None:
        """Drop the conversation state (the citizen asked to be forgotten)."""


@dataclass(frozen=True, slots=True)
class TurnSummary:
    """What a turn did, for metrics: no text, no ids beyond the situation."""

    channel: str
    situation_id: str | None
    understood: bool
    suggested: bool  # «Вы имели в виду…?» was asked
    survey_started: bool
    answers: tuple[tuple[str, str], ...]  # survey answers given in this turn
    seconds: float | None = None  # how long the citizen's update took; None for idle sweeps
    reminders: tuple[tuple[str, int], ...] = ()  # (sent | stopped | failed, how many)


class TurnObserver(Protocol):
    def turn_done(self, summary: TurnSummary) -> None: ...


class Recorder(Protocol):
    async def conversation_opened(self, record: ConversationOpened) -> None: ...

    async def conversation_changed(self, snapshot: ConversationSnapshot) -> None: ...

    async def message(self, record: MessageRecord) -> None: ...

    async def survey_answer(self, answer: SurveyAnswer) -> None: ...

    async def citizen_unreachable(self, conversation_id: str, at: dt.datetime) -> None:
        """A proactive message could not be delivered: the citizen blocked the bot."""

    async def step_done(self, record: StepDone) -> None: ...

    async def forget_citizen(self, channel: str, user_id: str) -> int:
        """Delete the citizen's messages and unlink their conversations and answers from them;
        aggregates stay. Returns how many messages were deleted."""


MAX_ATTEMPTS = 5  # a proactive message not delivered after this many tries is dropped


class Deliveries(Protocol):
    """The outbox of messages the assistant sends first: a message is kept until delivered,
    so a crash between deciding and sending means a retry, never a loss."""

    async def add(self, outgoing: Outgoing, at: dt.datetime) -> None: ...

    async def claim(
        self, channel: str, now: dt.datetime, lease: dt.timedelta, limit: int
    ) -> list[Outgoing]:
        """Messages to send now: never claimed, or claimed longer than ``lease`` ago (the
        sender died); each claim counts as an attempt, and a message tried too often is
        dropped. Other processes skip what one has claimed."""

    async def done(self, delivery_id: str) -> None:
        """Delivered, or it never can be (the citizen blocked the bot): out of the outbox."""


class UnitOfWork(Protocol):
    """One turn's writes, committed together or not at all."""

    @property
    def sessions(self) -> SessionStore: ...

    @property
    def recorder(self) -> Recorder: ...

    @property
    def deliveries(self) -> Deliveries: ...

    @property
    def cases(self) -> Cases: ...

    @property
    def reminders(self) -> Reminders: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def claim_event(self, channel: str, event_id: str, at: dt.datetime) -> bool:
        """True the first time this update is seen; False for a repeated delivery."""

    async def claim_and_load(
        self, channel: str, event_id: str, at: dt.datetime, key: str
    ) -> tuple[bool, ConversationState | None]:
        """``claim_event``, then ``sessions.load(key)``: in one round trip where it can."""

    async def keep_replies(self, channel: str, event_id: str, replies: Sequence[Reply]) -> None:
        """What the claimed update was answered with, committed with the turn."""

    async def replies_of(self, channel: str, event_id: str) -> tuple[Reply, ...]:
        """The answer a repeated delivery gets again: the process that handled it first may
        have died before sending it."""

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
