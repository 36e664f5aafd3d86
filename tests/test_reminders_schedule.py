"""The reminders' schedule: offsets before each deadline at the citizen's own hour, never in
quiet hours, a passed moment sent at the next check, nothing after the deadline, the check-in
after the first deadline, and deadlines counted in working days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dialogs.calendar import add_working_days
from dialogs.reminders import Planned, ReminderPolicy, parse_offsets, parse_quiet, schedule

MSK, OMSK = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Omsk")
POLICY = ReminderPolicy()


def _moments(planned: list[Planned], kind: str = "reminder") -> list[dt.datetime]:
    return [p.at for p in planned if p.kind == kind]


def test_offsets_come_at_the_reminder_hour_in_the_citizens_zone() -> None:
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    due = dt.date(2026, 12, 30)
    planned = schedule([("register_birth", due)], now, "Asia/Omsk", POLICY)
    assert _moments(planned) == [
        dt.datetime(2026, 12, 23, 10, 0, tzinfo=OMSK),
        dt.datetime(2026, 12, 29, 10, 0, tzinfo=OMSK),
    ]
    (checkin,) = [p for p in planned if p.kind == "checkin"]
    assert checkin.at == dt.datetime(2027, 1, 2, 10, 0, tzinfo=OMSK)
    assert all(p.at.utcoffset() == dt.timedelta(hours=6) for p in planned)


def test_a_moment_already_passed_is_sent_at_the_next_check_once() -> None:
    now = dt.datetime(2026, 12, 28, 14, 0, tzinfo=MSK)
    planned = schedule([("step", dt.date(2026, 12, 30))], now, "Europe/Moscow", POLICY)
    # 7 days before the 30th has passed: sent now; 1 day before is still ahead.
    assert _moments(planned) == [now, dt.datetime(2026, 12, 29, 10, 0, tzinfo=MSK)]
    later = dt.datetime(2026, 12, 29, 15, 0, tzinfo=MSK)
    planned = schedule([("step", dt.date(2026, 12, 30))], later, "Europe/Moscow", POLICY)
    assert _moments(planned) == [later]  # both passed: one reminder, not two


def test_quiet_hours_move_a_reminder_to_their_end_and_never_past_the_deadline() -> None:
    evening = dt.datetime(2026, 12, 28, 22, 30, tzinfo=MSK)
    planned = schedule([("step", dt.date(2026, 12, 30))], evening, "Europe/Moscow", POLICY)
    assert _moments(planned)[0] == dt.datetime(2026, 12, 29, 9, 0, tzinfo=MSK)
    last_evening = dt.datetime(2026, 12, 30, 22, 0, tzinfo=MSK)
    planned = schedule([("step", dt.date(2026, 12, 30))], last_evening, "Europe/Moscow", POLICY)
    assert _moments(planned) == []  # 09:00 tomorrow is after the deadline: nothing to remind
    night_owl = ReminderPolicy(hour=23)
    planned = schedule([("step", dt.date(2027, 1, 20))], evening, "Europe/Moscow", night_owl)
    assert {m.hour for m in _moments(planned)} == {9}
    no_quiet = ReminderPolicy(quiet=None, hour=23)
    planned = schedule([("step", dt.date(2027, 1, 20))], evening, "Europe/Moscow", no_quiet)
    assert {m.hour for m in _moments(planned)} == {23}


def test_deadlines_already_past_get_nothing() -> None:
    now = dt.datetime(2026, 12, 5, 12, 0, tzinfo=MSK)
    assert schedule([("step", dt.date(2026, 12, 1))], now, "Europe/Moscow", POLICY) == []


def test_a_deadline_in_working_days_is_reminded_before_the_working_day_it_falls_on() -> None:
    due = add_working_days(dt.date(2026, 12, 25), 5)  # over the New Year holidays
    assert due == dt.date(2027, 1, 12)
    now = dt.datetime(2026, 12, 25, 12, 0, tzinfo=MSK)
    planned = schedule([("apply", due)], now, "Europe/Moscow", POLICY)
    assert _moments(planned) == [
        dt.datetime(2027, 1, 5, 10, 0, tzinfo=MSK),
        dt.datetime(2027, 1, 11, 10, 0, tzinfo=MSK),
    ]


def test_the_check_in_follows_the_first_deadline_only() -> None:
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=MSK)
    steps = [("later", dt.date(2027, 2, 1)), ("first", dt.date(2026, 12, 20))]
    checkins = [p for p in schedule(steps, now, "Europe/Moscow", POLICY) if p.kind == "checkin"]
    assert [(c.step_id, c.at) for c in checkins] == [
        ("first", dt.datetime(2026, 12, 23, 10, 0, tzinfo=MSK))
    ]


def test_settings_are_read_as_written() -> None:
    assert parse_offsets("7,1") == (7, 1)
    assert parse_offsets(" 14, 3 ,0") == (14, 3, 0)
    assert parse_quiet("21-9") == (21, 9)
    assert parse_quiet("") is None
    assert parse_quiet("off") is None
    assert parse_quiet(" Нет ") is None
    for wrong in ("", "7,-1", "неделя"):
        with pytest.raises(ValueError, match="reminder offsets"):
            parse_offsets(wrong)
    for wrong in ("21", "25-9", "9-9"):
        with pytest.raises(ValueError, match="quiet hours"):
            parse_quiet(wrong)
