"""Rasa as an optional backend: ``POST /model/parse``, with the embedded model as a safety net.

When Rasa is down or slow the citizen never notices: the embedded classifier answers, the
outage is logged once, and Rasa is tried again after ``retry_after``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from dialogs.ports import Classification, Entity, IntentClassifier, IntentScore

log = logging.getLogger("lifebot.nlu.rasa")


class RasaClassifier:
    def __init__(
        self,
        url: str,
        fallback: IntentClassifier,
        timeout: float = 0.5,
        retry_after: float = 30.0,
        on_fallback: Callable[[], None] | None = None,
    ) -> None:
        self._endpoint = url.rstrip("/") + "/model/parse"
        self._fallback = fallback
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retry_after = retry_after
        self._down_until = 0.0
        self._session: aiohttp.ClientSession | None = None
        self._on_fallback = on_fallback
        self.fallbacks = 0

    async def classify(self, text: str, today: dt.date | None = None) -> Classification:
        """Rasa ranks the intents; dates come from the local extractor when Rasa's are
        missing, since Duckling counts «вчера» from the server's day, not the citizen's."""
        local = await self._fallback.classify(text, today)
        if time.monotonic() >= self._down_until:
            try:
                remote = _classification(await self._parse(text))
            except (TimeoutError, aiohttp.ClientError, ValueError, KeyError) as error:
                self._mark_down(error)
            else:
                return _with_local_dates(remote, local, today is not None)
        self.fallbacks += 1
        if self._on_fallback is not None:
            self._on_fallback()
        return local

    async def _parse(self, text: str) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        async with self._session.post(self._endpoint, json={"text": text}) as response:
            response.raise_for_status()
            body: dict[str, Any] = await response.json()
        if self._down_until:
            log.warning("Rasa at %s answers again", self._endpoint)
            self._down_until = 0.0
        return body

    def _mark_down(self, error: BaseException) -> None:
        if not self._down_until:  # log the outage once, not on every message
            log.warning(
                "Rasa at %s unavailable (%s); using the embedded classifier",
                self._endpoint,
                type(error).__name__,
            )
        self._down_until = time.monotonic() + self._retry_after

    def with_fallback(self, fallback: IntentClassifier) -> RasaClassifier:
        """The same client with a retrained fallback (after a knowledge-base reload)."""
        self._fallback = fallback
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _with_local_dates(
    remote: Classification, local: Classification, prefer: bool
) -> Classification:
    local_dates = tuple(e for e in local.entities if e.entity == "date")
    remote_dates = tuple(e for e in remote.entities if e.entity == "date")
    if not local_dates or (remote_dates and not prefer):
        return remote
    others = tuple(e for e in remote.entities if e.entity != "date")
    return Classification(remote.ranking, tuple(sorted(others + local_dates, key=_start)))


def _start(entity: Entity) -> int:
    return entity.start


def _classification(body: dict[str, Any]) -> Classification:
    ranking = body.get("intent_ranking") or [body["intent"]]
    scores = tuple(
        IntentScore(str(item["name"]), float(item["confidence"]))
        for item in ranking
        if item and item.get("name")
    )
    entities = tuple(_entity(e) for e in body.get("entities") or [])
    return Classification(scores, entities)


def _entity(item: dict[str, Any]) -> Entity:
    """Duckling's «time» is our «date» (its day only), so the engine sees one vocabulary."""
    name, value = str(item["entity"]), item["value"]
    if name == "time":
        name, value = (
            "date",
            str(value.get("value", "") if isinstance(value, dict) else value)[:10],
        )
    return Entity(name, str(value), int(item["start"]), int(item["end"]))
