"""How well the embedded model recognises intents: a test file or k-fold cross-validation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nlu.model import IntentModel, train


@dataclass(frozen=True)
class IntentScores:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    accuracy: float
    total: int
    per_intent: tuple[IntentScores, ...]
    confused: tuple[tuple[str, str, int], ...]  # (expected, predicted, count), most first


def flatten(examples: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    texts = [text for intent in sorted(examples) for text in examples[intent]]
    labels = [intent for intent in sorted(examples) for _ in examples[intent]]
    return texts, labels


def predict(model: IntentModel, texts: Sequence[str]) -> list[str]:
    return [model.intents[int(np.argmax(model.probabilities(text)))] for text in texts]


def evaluate(model: IntentModel, examples: Mapping[str, Sequence[str]]) -> Report:
    texts, expected = flatten(examples)
    return report(expected, predict(model, texts))


def cross_validate(examples: Mapping[str, Sequence[str]], folds: int, seed: int = 13) -> Report:
    from sklearn.model_selection import StratifiedKFold

    texts, labels = flatten(examples)
    predicted = [""] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_rows, test_rows in splitter.split(texts, labels):
        fold: dict[str, list[str]] = {}
        for row in train_rows:
            fold.setdefault(labels[row], []).append(texts[row])
        model = train(fold)
        for row, intent in zip(
            test_rows, predict(model, [texts[r] for r in test_rows]), strict=True
        ):
            predicted[row] = intent
    return report(labels, predicted)


def report(expected: Sequence[str], predicted: Sequence[str], most: int = 10) -> Report:
    from sklearn.metrics import precision_recall_fscore_support

    intents = sorted(set(expected))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=intents, zero_division=0
    )
    per_intent = tuple(
        IntentScores(intent, float(p), float(r), float(f), int(s))
        for intent, p, r, f, s in zip(intents, precision, recall, f1, support, strict=True)
    )
    mistakes = Counter((e, p) for e, p in zip(expected, predicted, strict=True) if e != p)
    hits = sum(e == p for e, p in zip(expected, predicted, strict=True))
    return Report(
        accuracy=hits / len(expected) if expected else 0.0,
        total=len(expected),
        per_intent=per_intent,
        confused=tuple((e, p, n) for (e, p), n in mistakes.most_common(most)),
    )
