"""The default classifier: the embedded model, trained at start-up and cached on disk."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from dialogs.ports import Classification, IntentScore
from nlu.entities import EntityExtractor
from nlu.features import FEATURE_VERSION
from nlu.model import IntentModel, train

log = logging.getLogger("lifebot.nlu")
RANKING_SIZE = 10


class EmbeddedClassifier:
    def __init__(
        self,
        model: IntentModel,
        entities: EntityExtractor,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.model = model
        self._entities = entities
        self._today = today

    async def classify(self, text: str, today: dt.date | None = None) -> Classification:
        return self.parse(text, today)

    def parse(self, text: str, today: dt.date | None = None) -> Classification:
        entities = self._entities.extract(text, today or self._today())
        if not self.model.knows_any_word(text):
            return Classification((), entities)  # nothing we know: out of scope
        probabilities = self.model.probabilities(text)
        best = np.argsort(-probabilities)[:RANKING_SIZE]
        ranking = tuple(
            IntentScore(self.model.intents[i], float(probabilities[i]))
            for i in best
            if probabilities[i] > 0
        )
        return Classification(ranking, entities)


def fingerprint(examples: Mapping[str, Sequence[str]]) -> str:
    payload = json.dumps(
        {
            "features": FEATURE_VERSION,
            "examples": {k: list(v) for k, v in sorted(examples.items())},
        },
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def load_or_train(examples: Mapping[str, Sequence[str]], cache_dir: Path | None) -> IntentModel:
    """The cached model for exactly these examples, or a freshly trained (and cached) one."""
    path = cache_dir / f"intents-{fingerprint(examples)}.npz" if cache_dir else None
    if path is not None and path.exists():
        try:
            return IntentModel.load(path)
        except (OSError, ValueError, KeyError) as error:
            log.warning("NLU cache %s unreadable (%s); retraining", path, error)
    model = train(examples)
    if path is not None:
        try:
            model.save(path)
        except OSError as error:
            log.warning("NLU cache %s not written (%s)", path, error)
    return model
