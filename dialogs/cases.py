"""Cases: a citizen handed to a person (an operator at the desk), as plain values, and the
port that keeps them.

A case opens when the citizen asks for a person, complains, or agrees to one after repeated
misunderstanding. It waits in the queue (``queued``), is taken by one operator (``claimed``),
and ends ``closed`` with a resolution. While it is open the citizen's messages are lines of the
case, not turns of the assistant. The desk never shows the citizen's id or address: only the
case id and what the citizen wrote (masked, as everything stored is)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

from dialogs.contract import Address

CaseKind = Literal["question", "complaint"]
CaseStatus = Literal["queued", "claimed", "closed"]
# «withdrawn»: the citizen went back to the assistant before an operator closed the case.
Resolution = Literal["answered", "not_answered", "redirected", "withdrawn"]
RESOLUTIONS: tuple[Resolution, ...] = ("answered", "not_answered", "redirected")
Author = Literal["citizen", "operator", "assistant"]


@dataclass(frozen=True, slots=True)
class CaseLine:
    author: Author
    text: str  # a citizen's line is masked by storage before it is written
    at: dt.datetime
    operator: str | None = None  # the operator's name, for an operator's line


@dataclass(frozen=True, slots=True)
class CaseOpened:
    case_id: str
    conversation_id: str
    session_key: str  # finds the citizen's conversation when the case closes; never shown
    address: Address  # where the operator's replies go; never shown
    kind: CaseKind
    question: str  # the citizen's question in their own words
    situation_id: str | None
    step_title: str | None  # the plan step the citizen was on
    answers: tuple[tuple[str, str], ...]  # (question, answer) given in the situation
    recent: tuple[CaseLine, ...]  # the last turns of the conversation before the case
    opened_at: dt.datetime
    off_hours: bool  # opened when no operator works


@dataclass(frozen=True, slots=True)
class CaseSummary:
    case_id: str
    kind: CaseKind
    status: CaseStatus
    channel: str
    situation_id: str | None
    opened_at: dt.datetime
    claimed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    operator: str | None = None  # who claimed it
    resolution: Resolution | None = None
    citizen_blocked: bool = False  # a reply could not be delivered: the citizen blocked the bot
    off_hours: bool = False


@dataclass(frozen=True, slots=True)
class CaseDetail:
    summary: CaseSummary
    conversation_id: str
    session_key: str  # internal: never rendered by the desk
    address: Address  # internal: never rendered by the desk
    question: str
    step_title: str | None
    answers: tuple[tuple[str, str], ...]
    lines: tuple[CaseLine, ...]  # the last turns before the case, then the case's own, in order


class Cases(Protocol):
    """Part of a unit of work (``uow.cases``): nothing is kept until it commits."""

    async def open(self, case: CaseOpened) -> None: ...

    async def get(self, case_id: str) -> CaseDetail | None: ...

    async def add_line(self, case_id: str, line: CaseLine) -> None: ...

    async def queued_ahead(self, case_id: str) -> int:
        """How many queued cases were opened before this one."""

    async def recent_waits(self, now: dt.datetime, limit: int) -> list[dt.timedelta]:
        """How long the ``limit`` most recently claimed cases waited (claimed − opened)."""

    async def claim(self, case_id: str, operator: str, at: dt.datetime) -> bool:
        """Take a queued case; False if it is not queued (another operator was first)."""

    async def release(self, case_id: str, operator: str) -> bool:
        """Back to the queue; False unless ``operator`` holds it."""

    async def close(
        self, case_id: str, operator: str | None, resolution: Resolution, at: dt.datetime
    ) -> bool:
        """End an open case; False if it is closed already (or held by another operator)."""

    async def citizen_unreachable(self, case_id: str, at: dt.datetime) -> None: ...

    async def listing(self, status: CaseStatus, limit: int) -> list[CaseSummary]:
        """Oldest first for queued and claimed; newest first for closed."""
