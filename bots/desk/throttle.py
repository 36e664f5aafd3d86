"""Login throttling: after ``LIMIT`` failed logins for one operator's name, or from one client
address, within ``WINDOW``, every further login for that name or from that address is refused
for ``LOCKOUT`` without the password being checked (a refusal costs no argon2 time, so there
is nothing to time). A successful login forgets the failures of its name, not its address's.

Attempts still being checked count against the limit, so a burst of parallel guesses cannot
slip in before the first of them fails.

The counts live in memory, per desk process: a restart forgets them, and each replica of the
desk counts on its own. Behind a reverse proxy every client has the proxy's address, and the
address limit then covers them all together."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from bots.desk.auth import Clock

LIMIT = 5  # failed logins within WINDOW, per name and per address
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
BUSY = dt.timedelta(minutes=1)  # what to say while the attempts in flight fill the limit
TRACKED = 10_000  # names and addresses kept before the stale ones are swept

Key = tuple[str, str]  # ("name" | "address", its value)


@dataclass
class _Record:
    failures: list[dt.datetime] = field(default_factory=list)
    in_flight: int = 0
    locked_until: dt.datetime | None = None


def refusal_words(wait: dt.timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return (
        "Слишком много неудачных попыток входа. Вход с этим именем или с этого адреса "
        f"приостановлен: повторите через {minutes} мин."
    )


class LoginThrottle:
    """``admit`` before checking a password, then ``settle`` with how it went."""

    def __init__(
        self, clock: Clock, limit: int = LIMIT, window: dt.timedelta = WINDOW,
        lockout: dt.timedelta = LOCKOUT,
    ) -> None:  # fmt: skip
        self._clock, self._limit, self._window, self._lockout = clock, limit, window, lockout
        self._records: dict[Key, _Record] = {}

    def admit(self, name: str, address: str) -> dt.timedelta | None:
        """None: go on and check the password (the attempt is now in flight); otherwise how
        long logins for this name or from this address stay refused."""
        now = self._clock()
        records = [self._record(key, now) for key in _keys(name, address)]
        waits = [r.locked_until - now for r in records if r.locked_until is not None]
        if waits:
            return max(waits)
        if any(len(r.failures) + r.in_flight >= self._limit for r in records):
            return BUSY
        for record in records:
            record.in_flight += 1
        return None

    def settle(self, name: str, address: str, succeeded: bool | None) -> None:
        """After an admitted attempt: True logged in, False refused, None not decided (the
        database was away, say): then it counts as nothing."""
        now = self._clock()
        for key in _keys(name, address):
            record = self._records.setdefault(key, _Record())
            record.in_flight = max(0, record.in_flight - 1)
            if succeeded is False:
                record.failures.append(now)
                if len(record.failures) >= self._limit:
                    record.locked_until, record.failures = now + self._lockout, []
        if succeeded:
            self._records.get(("name", _name(name)), _Record()).failures.clear()
        if len(self._records) > TRACKED:
            self._sweep(now)

    def _record(self, key: Key, now: dt.datetime) -> _Record:
        record = self._records.setdefault(key, _Record())
        record.failures = [at for at in record.failures if at > now - self._window]
        if record.locked_until is not None and record.locked_until <= now:
            record.locked_until = None
        return record

    def _sweep(self, now: dt.datetime) -> None:
        for key in list(self._records):
            record = self._record(key, now)
            if not (record.failures or record.in_flight or record.locked_until):
                del self._records[key]


def _name(name: str) -> str:
    return name.strip().casefold()


def _keys(name: str, address: str) -> tuple[Key, Key]:
    return ("name", _name(name)), ("address", address)
