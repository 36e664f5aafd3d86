"""How well the embedded model recognises intents: a test file or k-fold cross-validation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from nlu.model import IntentModel, train

NO_INTENT = "—"  # the model gave no ranking and has no out-of-scope intent to stand for it
OUT_OF_SCOPE = "out_of_scope"  # what a text of unknown words is (the classifier ranks nothing)
# The engine's «did you mean…?» threshold (dialogs.dialogue.UnderstandingPolicy.suggest, the
# setting NLU_SUGGEST_THRESHOLD): below it a message is not even offered as a suggestion.
SUGGEST_THRESHOLD = 0.25

Situations = Collection[str] | Callable[[str], bool]


@dataclass(frozen=True)
class IntentScores:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float  # 0 when the model has no ranking for the text


@dataclass(frozen=True)
class Report:
    accuracy: float
    total: int
    per_intent: tuple[IntentScores, ...]
    confused: tuple[tuple[str, str, int], ...]  # (expected, predicted, count), most first
    # Of the messages about a situation (``about_situations`` of them), how many would reach
    # no situation at all: the top intent is not a situation (a service intent, or no ranking)
    # or its confidence is below the «did you mean…?» threshold.
    about_situations: int = 0
    no_situation: int = 0
    # The first few of them: (expected, predicted, confidence, text).
    no_situation_examples: tuple[tuple[str, str, float, str], ...] = ()

    @property
    def no_situation_share(self) -> float:
        return self.no_situation / self.about_situations if self.about_situations else 0.0


def flatten(examples: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    texts = [text for intent in sorted(examples) for text in examples[intent]]
    labels = [intent for intent in sorted(examples) for _ in examples[intent]]
    return texts, labels


def rank(model: IntentModel, texts: Sequence[str]) -> list[Prediction]:
    """The top intent as the classifier serves it: a text of unknown words gets no ranking, so
    it counts as out of scope, with no confidence."""
    unknown = Prediction(OUT_OF_SCOPE if OUT_OF_SCOPE in model.intents else NO_INTENT, 0.0)
    found = []
    for text in texts:
        probabilities = model.probabilities(text) if model.knows_any_word(text) else None
        if probabilities is None or not probabilities.any():
            found.append(unknown)
            continue
        best = int(np.argmax(probabilities))
        found.append(Prediction(model.intents[best], float(probabilities[best])))
    return found


def predict(model: IntentModel, texts: Sequence[str]) -> list[str]:
    return [prediction.intent for prediction in rank(model, texts)]


def evaluate(
    model: IntentModel,
    examples: Mapping[str, Sequence[str]],
    situations: Situations | None = None,
    threshold: float = SUGGEST_THRESHOLD,
) -> Report:
    """``situations``: the situation ids (or a predicate on an intent); without them every
    intent but out-of-scope counts as one, so only unknown or unsure messages are lost."""
    texts, expected = flatten(examples)
    return _summary(texts, expected, rank(model, texts), situations, threshold)


def cross_validate(
    examples: Mapping[str, Sequence[str]],
    folds: int,
    seed: int = 13,
    situations: Situations | None = None,
    threshold: float = SUGGEST_THRESHOLD,
) -> Report:
    from sklearn.model_selection import StratifiedKFold

    texts, labels = flatten(examples)
    predicted = [Prediction(NO_INTENT, 0.0)] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_rows, test_rows in splitter.split(texts, labels):
        fold: dict[str, list[str]] = {}
        for row in train_rows:
            fold.setdefault(labels[row], []).append(texts[row])
        model = train(fold)
        for row, prediction in zip(
            test_rows, rank(model, [texts[r] for r in test_rows]), strict=True
        ):
            predicted[row] = prediction
    return _summary(texts, labels, predicted, situations, threshold)


def _summary(
    texts: Sequence[str],
    expected: Sequence[str],
    predictions: Sequence[Prediction],
    situations: Situations | None,
    threshold: float,
    most: int = 10,
) -> Report:
    is_situation = _predicate(situations)
    about = [row for row in zip(texts, expected, predictions, strict=True) if is_situation(row[1])]
    lost = [
        (label, p.intent, p.confidence, text)
        for text, label, p in about
        if not is_situation(p.intent) or p.confidence < threshold
    ]
    return replace(
        report(expected, [p.intent for p in predictions], most),
        about_situations=len(about),
        no_situation=len(lost),
        no_situation_examples=tuple(lost[:most]),
    )


def _predicate(situations: Situations | None) -> Callable[[str], bool]:
    if situations is None:
        return lambda intent: intent not in (NO_INTENT, OUT_OF_SCOPE)
    if callable(situations):
        return lambda intent: intent != NO_INTENT and situations(intent)
    return frozenset(situations).__contains__


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
