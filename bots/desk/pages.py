"""The desk's pages: jinja2 templates (package files, every value escaped) and the Russian
words for the cases' kinds, statuses, resolutions and authors.

The views handed to the templates are built here from the cases, field by field: the
citizen's session key and address are never among them, so no template can show them."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from dialogs.cases import RESOLUTIONS, CaseDetail, CaseLine, CaseStatus, CaseSummary
from dialogs.ports import KnowledgeBase

KINDS = {"question": "Вопрос", "complaint": "Жалоба"}
STATUSES: dict[CaseStatus, str] = {
    "queued": "В очереди", "claimed": "В работе", "closed": "Закрыто"
}  # fmt: skip
RESOLUTION_WORDS = {
    "answered": "Ответ дан",
    "not_answered": "Ответа нет",
    "redirected": "Перенаправлен в ведомство",
    "withdrawn": "Гражданин вернулся к помощнику",
}
AUTHORS = {"citizen": "Гражданин", "operator": "Оператор", "assistant": "Помощник"}
CHANNELS = {"telegram": "Telegram", "vk": "ВКонтакте", "max": "MAX", "console": "Консоль"}

Titles = Callable[[str | None], str]


@dataclass(frozen=True, slots=True)
class Row:
    """One case in a list."""

    case_id: str
    kind: str
    complaint: bool
    status: str
    channel: str
    situation: str
    opened: str
    waited: str
    operator: str | None
    resolution: str | None
    off_hours: bool
    citizen_blocked: bool


@dataclass(frozen=True, slots=True)
class Line:
    author: str  # citizen | operator | assistant: the line's look
    who: str
    text: str
    at: str


@dataclass(frozen=True, slots=True)
class Card:
    """A case as the operator reads it."""

    row: Row
    question: str
    step_title: str | None
    answers: tuple[tuple[str, str], ...]
    lines: tuple[Line, ...]
    mine: bool
    held: bool  # by another operator
    can_claim: bool
    can_close: bool


class Pages:
    def __init__(self, titles: Titles, timezone: str, poll_seconds: float = 5.0) -> None:
        self.titles = titles
        self.zone = ZoneInfo(timezone)
        self.poll_ms = int(poll_seconds * 1000)
        self.env = Environment(
            loader=PackageLoader("bots.desk", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, template: str, **values: Any) -> str:
        values.setdefault("poll_ms", self.poll_ms)
        values.setdefault("resolutions", [(r, RESOLUTION_WORDS[r]) for r in RESOLUTIONS])
        return self.env.get_template(template).render(**values)

    def moment(self, at: dt.datetime | None) -> str:
        if at is None:
            return ""
        aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
        return aware.astimezone(self.zone).strftime("%d.%m.%Y %H:%M")

    def row(self, summary: CaseSummary, now: dt.datetime) -> Row:
        return Row(
            case_id=summary.case_id,
            kind=KINDS.get(summary.kind, summary.kind),
            complaint=summary.kind == "complaint",
            status=STATUSES.get(summary.status, summary.status),
            channel=CHANNELS.get(summary.channel, summary.channel),
            situation=self.titles(summary.situation_id),
            opened=self.moment(summary.opened_at),
            waited=waited(summary, now),
            operator=summary.operator,
            resolution=RESOLUTION_WORDS.get(summary.resolution or "", summary.resolution),
            off_hours=summary.off_hours,
            citizen_blocked=summary.citizen_blocked,
        )

    def line(self, line: CaseLine) -> Line:
        who = AUTHORS.get(line.author, line.author)
        if line.author == "operator" and line.operator:
            who = f"{who} {line.operator}"
        return Line(line.author, who, line.text, self.moment(line.at))

    def card(self, case: CaseDetail, operator: str, now: dt.datetime) -> Card:
        summary = case.summary
        claimed = summary.status == "claimed"
        return Card(
            row=self.row(summary, now),
            question=case.question,
            step_title=case.step_title,
            answers=tuple(case.answers),
            lines=tuple(self.line(line) for line in case.lines),
            mine=claimed and summary.operator == operator,
            held=claimed and summary.operator != operator,
            can_claim=summary.status == "queued",
            can_close=summary.status == "queued" or (claimed and summary.operator == operator),
        )


def state_of(case: CaseDetail) -> str:
    """What the buttons of a case page depend on: when it changes, the page is drawn anew."""
    return f"{case.summary.status}:{case.summary.operator or ''}"


def version_of(fragment: str) -> str:
    """A short fingerprint of a live fragment: the page replaces it only when it changed."""
    return hashlib.sha256(fragment.encode()).hexdigest()[:16]


def waited(summary: CaseSummary, now: dt.datetime) -> str:
    """How long the citizen has waited for an operator (or waited, once claimed)."""
    if summary.status == "closed":
        return ""
    until = summary.claimed_at if summary.status == "claimed" and summary.claimed_at else now
    return duration(until - summary.opened_at)


def duration(span: dt.timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} мин"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} ч {minutes} мин"
    return f"{hours // 24} дн {hours % 24} ч"


def situation_titles(knowledge: KnowledgeBase) -> Titles:
    def title(situation_id: str | None) -> str:
        if situation_id is None:
            return "—"
        situation = knowledge.situation(situation_id)
        return situation.title if situation is not None else situation_id

    return title
