"""When operators work: days of the week and hours in the deployment's time zone, minus the
public holidays of the Russian production calendar (``holidays``: the days off by law, with
the weekends moved by the government's decree)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays

SEARCH_DAYS = 40  # the longest run of days off (the New Year holidays) fits many times over


def _russian_days_off() -> holidays.HolidayBase:
    return holidays.country_holidays("RU")


@dataclass(frozen=True)
class OfficeHours:
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays: 1 is Monday
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(18, 0)
    zone: str = "Europe/Moscow"
    days_off: holidays.HolidayBase = field(default_factory=_russian_days_off)

    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.zone))
        return self._working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """When operators are next at work: ``moment`` itself if they are now."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(ZoneInfo(self.zone))
        day = local.date()
        if local.time() >= self.opens:
            day += dt.timedelta(days=1)
        for _ in range(SEARCH_DAYS):
            if self._working_day(day):
                return dt.datetime.combine(day, self.opens, ZoneInfo(self.zone))
            day += dt.timedelta(days=1)
        raise ValueError("no working day in the next weeks: check OFFICE_DAYS")

    def _working_day(self, day: dt.date) -> bool:
        return day.isoweekday() in self.days and day not in self.days_off


def parse_days(spec: str) -> frozenset[int]:
    """«1-5», «1-5,7», «1,3,5»: ISO weekdays; a wrong spec raises ValueError."""
    days: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if not (first.isdecimal() and (last or first).isdecimal()):
            raise ValueError(f"office days: {spec!r}")
        low, high = int(first), int(last or first)
        if not 1 <= low <= high <= 7:
            raise ValueError(f"office days: {spec!r}")
        days.update(range(low, high + 1))
    return frozenset(days)


def parse_hours(spec: str) -> tuple[dt.time, dt.time]:
    """«09:00-18:00»; opening before closing, else ValueError."""
    first, _, last = spec.replace(" ", "").partition("-")
    try:
        opens, closes = dt.time.fromisoformat(first), dt.time.fromisoformat(last)
    except ValueError:
        raise ValueError(f"office hours: {spec!r}") from None
    if opens >= closes:
        raise ValueError(f"office hours: {spec!r}")
    return opens, closes
