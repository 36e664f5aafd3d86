"""What to do with an update while the database is unavailable: nothing of its turn was kept,
so it must not be acknowledged (that would lose it) nor apologised for (the citizen would write
again, and the redelivered update would then be answered twice).

A messenger that posts updates to us (a webhook, VK's Callback API) is refused, and sends the
update again later; an update we pulled (long polling) is retried in place, its batch
unconfirmed, so a crash meanwhile still leaves it with the messenger. Either way, only for
``patience`` seconds from the first failure: an update that still cannot be kept after that
gets the apology, so no citizen waits in silence forever and no poison update is retried
without end."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from dialogs.contract import IncomingEvent

PATIENCE = 600.0  # seconds: a database restart or failover takes less
FIRST_PAUSE, LONGEST_PAUSE = 0.5, 10.0  # seconds between retries in place
REMEMBERED = 10_000  # updates being refused at once; the oldest is forgotten first


class Outage:
    def __init__(
        self, patience: float = PATIENCE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.patience = patience
        self._clock = clock
        self._first_failure: OrderedDict[tuple[str, str], float] = OrderedDict()

    def keep_trying(self, event: IncomingEvent) -> bool:
        """Is it still worth waiting for the database for this update?"""
        if event.event_id is None:  # nobody would deliver it again: a console line
            return False
        key = (event.channel, event.event_id)
        first = self._first_failure.setdefault(key, self._clock())
        while len(self._first_failure) > REMEMBERED:
            self._first_failure.popitem(last=False)
        if self._clock() - first < self.patience:
            return True
        del self._first_failure[key]
        return False

    def kept(self, event: IncomingEvent) -> None:
        if event.event_id is not None:
            self._first_failure.pop((event.channel, event.event_id), None)

    @staticmethod
    def pause(attempt: int) -> float:
        return float(min(FIRST_PAUSE * 2**attempt, LONGEST_PAUSE))
