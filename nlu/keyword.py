"""A simple matcher behind the classifier port: multinomial naive Bayes over word stems.

It needs no extra packages and trains in milliseconds; the NLU issue brings the real classifier.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from dialogs.ports import Classification, IntentScore

_WORD = re.compile(r"[a-zа-я0-9]+")
_STEM = 5  # Russian endings vary; the first letters carry the meaning well enough here


def stems(text: str) -> list[str]:
    words = _WORD.findall(text.lower().replace("ё", "е"))
    return [word[:_STEM] for word in words if len(word) > 1]


class KeywordClassifier:
    def __init__(self, examples: Mapping[str, Sequence[str]], smoothing: float = 0.1) -> None:
        self._counts = {intent: Counter(s for e in texts for s in stems(e))
                        for intent, texts in examples.items() if texts}  # fmt: skip
        self._totals = {intent: sum(c.values()) for intent, c in self._counts.items()}
        self._vocabulary = set().union(*self._counts.values()) if self._counts else set()
        self._smoothing = smoothing

    async def classify(self, text: str) -> Classification:
        return self.classify_now(text)

    def classify_now(self, text: str) -> Classification:
        words = stems(text)
        known = [w for w in words if w in self._vocabulary]
        if not known:
            return Classification(ranking=())
        size = len(self._vocabulary)
        logs = {
            intent: sum(
                math.log(
                    (counts[w] + self._smoothing) / (self._totals[intent] + self._smoothing * size)
                )
                for w in known
            )
            for intent, counts in self._counts.items()
        }
        best = max(logs.values())
        weights = {intent: math.exp(value - best) for intent, value in logs.items()}
        total = sum(weights.values())
        coverage = len(known) / len(words)  # mostly unknown words: less sure
        ranking = sorted(
            (IntentScore(intent, coverage * w / total) for intent, w in weights.items()),
            key=lambda score: score.confidence,
            reverse=True,
        )
        return Classification(ranking=tuple(ranking[:10]))
