"""When to remind a citizen of their plan's deadlines, and when to ask how it went.

Before each due date, at each offset (7 and 1 days by default), at the reminder hour in the
citizen's own time zone; never inside the quiet hours (moved to their end). A reminder whose
moment has passed while its deadline has not is sent at the next check (then also moved out of
the quiet hours); one that could only come after its deadline is not sent at all. The check-in
(«Получилось ли…?») comes some days after the first deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from dialogs.contract import Address

Kind = Literal["reminder", "checkin"]


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    offsets_days: tuple[int, ...] = (7, 1)
    hour: int = 10  # local time of day a reminder is sent
    quiet: tuple[int, int] | None = (21, 9)  # from 21:00 to 09:00 nothing is sent
    checkin_days_after: int = 3


@dataclass(frozen=True, slots=True)
class Planned:
    kind: Kind
    step_id: str  # the step a reminder is about; the first deadline's for the check-in
    due: dt.date
    at: dt.datetime  # aware, when to send


def schedule(
    deadlines: Sequence[tuple[str, dt.date]],
    now: dt.datetime,
    zone: str,
    policy: ReminderPolicy,
) -> list[Planned]:
    """Reminders for every (step, due date) still ahead, and one check-in; soonest first."""
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    planned: list[Planned] = []
    for step_id, due in deadlines:
        planned += _reminders(step_id, due, local_now, tz, policy)
    ahead = [due for _, due in deadlines if due >= local_now.date()]
    if ahead:
        first = min(ahead)
        step_id = next(s for s, due in deadlines if due == first)
        day = first + dt.timedelta(days=policy.checkin_days_after)
        at = _outside_quiet(max(_at(day, policy.hour, tz), local_now), policy)
        planned.append(Planned("checkin", step_id, first, at))
    return sorted(planned, key=lambda p: p.at)


def _reminders(
    step_id: str, due: dt.date, now: dt.datetime, tz: ZoneInfo, policy: ReminderPolicy
) -> list[Planned]:
    last_moment = dt.datetime.combine(due, dt.time(23, 59), tz)
    moments: list[dt.datetime] = []
    for offset in sorted(set(policy.offsets_days), reverse=True):
        moment = _outside_quiet(max(_at(due - dt.timedelta(days=offset), policy.hour, tz), now),
                                policy)  # fmt: skip
        if moment <= last_moment and moment not in moments:
            moments.append(moment)
    return [Planned("reminder", step_id, due, moment) for moment in moments]


def _at(day: dt.date, hour: int, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tz)


def _outside_quiet(moment: dt.datetime, policy: ReminderPolicy) -> dt.datetime:
    """The moment itself, or the end of the quiet hours it falls in."""
    if policy.quiet is None:
        return moment
    start, end = policy.quiet
    hour = moment.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return moment
    day = moment.date() if hour < end else moment.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), moment.tzinfo)


def parse_offsets(spec: str) -> tuple[int, ...]:
    """«7,1»: whole days before a deadline, each at least 0; else ValueError."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts or not all(p.isdecimal() for p in parts):
        raise ValueError(f"reminder offsets: {spec!r}")
    return tuple(int(p) for p in parts)


# An empty environment variable means "the default" to the settings, so "off" is the word.
NO_QUIET = frozenset({"", "off", "none", "no", "нет"})


def parse_quiet(spec: str) -> tuple[int, int] | None:
    """«21-9»: hours from which to which nothing is sent; «off» (or empty): no quiet hours."""
    if spec.strip().lower() in NO_QUIET:
        return None
    first, _, last = spec.replace(" ", "").partition("-")
    if not (first.isdecimal() and last.isdecimal()) or not (
        0 <= int(first) <= 23 and 0 <= int(last) <= 23 and first != last
    ):
        raise ValueError(f"quiet hours: {spec!r}")
    return int(first), int(last)


@dataclass(frozen=True, slots=True)
class Reminder:
    """A reminder or a check-in the citizen asked for, kept until it is sent."""

    reminder_id: str
    kind: Kind
    session_key: str  # whose plan: never shown, never logged
    address: Address  # where it goes
    conversation_id: str
    situation_id: str
    step_id: str
    due: dt.date
    at: dt.datetime


class Reminders(Protocol):
    """Part of a unit of work (``uow.reminders``): nothing is kept until it commits."""

    async def plan(self, reminders: Sequence[Reminder]) -> None:
        """Keep these; a plan's earlier reminders not yet sent are replaced."""

    async def pending(self, session_key: str, situation_id: str) -> list[Reminder]:
        """What is still to be sent for this plan, soonest first."""

    async def due(self, channel: str, now: dt.datetime, limit: int) -> list[Reminder]:
        """Due now in ``channel``, locked; others' locked rows are skipped (SKIP LOCKED)."""

    async def sent(self, reminder_id: str) -> None:
        """Sent (into the outbox): never again."""

    async def stop(self, session_key: str, situation_id: str | None) -> int:
        """«Больше не напоминать»: this plan's (or, with None, all the citizen's) reminders."""

    async def step_done(self, session_key: str, situation_id: str, step_id: str) -> int:
        """The step is done: its reminders go."""

    async def unreachable(self, conversation_id: str) -> int:
        """The citizen blocked the bot: nothing more is sent to them from this plan."""
