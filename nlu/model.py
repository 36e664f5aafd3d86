"""The embedded intent model: TF-IDF features and a linear layer, trained with scikit-learn.

Inference does not go through scikit-learn: a text's few hundred features are looked up in a
dict and their weight rows summed with numpy, which keeps one parse well under a millisecond.
Up to ``CENTROID_FROM`` intents the weights come from multinomial logistic regression (its
probabilities are calibrated); above that, training it would take minutes, so the weights are
the intents' normalised centroids (Rocchio) with a softmax temperature.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from nlu.features import text_features
from nlu.normalize import lemma, tokens

CENTROID_FROM = 300
CENTROID_TEMPERATURE = 20.0
CENTROID_KEEP = 300

Floats = NDArray[np.float32]


@dataclass(frozen=True)
class IntentModel:
    intents: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: Floats
    weights: Floats | sparse.csr_matrix  # features × intents
    bias: Floats
    temperature: float

    def vector(self, text: str) -> tuple[list[int], Floats]:
        """Feature indices and their l2-normalised TF-IDF values."""
        indices, values = [], []
        for feature, count in text_features(text).items():
            index = self.vocabulary.get(feature)
            if index is not None:
                indices.append(index)
                values.append((1.0 + math.log(count)) * self.idf[index])
        array = np.asarray(values, dtype=np.float32)
        norm = float(np.sqrt(array @ array)) if values else 0.0
        return indices, (array / norm if norm else array)

    def knows_any_word(self, text: str) -> bool:
        """False for gibberish: no word seen in training, nor most of a word's 4-grams (a typo
        of a known word keeps most of them; «кхм бррр» keeps none)."""
        return any(self._knows(word) for word in tokens(text))

    def _knows(self, word: str) -> bool:
        if f"w:{lemma(word)}" in self.vocabulary:
            return True
        padded = f" {word} "
        grams = [padded[i : i + 4] for i in range(len(padded) - 3)]
        seen = sum(f"c:{gram}" in self.vocabulary for gram in grams)
        return bool(grams) and seen * 2 >= len(grams)

    def probabilities(self, text: str) -> Floats:
        indices, values = self.vector(text)
        if not indices:
            return np.zeros(len(self.intents), dtype=np.float32)
        if isinstance(self.weights, np.ndarray):
            scores = values @ self.weights[indices]
        else:
            scores = _sparse_scores(self.weights, np.asarray(indices), values)
        logits = (np.asarray(scores, dtype=np.float32) + self.bias) * self.temperature
        logits -= logits.max()
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(), dtype=np.float32)

    # Persistence: numpy arrays only (no pickle), so a cache file cannot run code.
    def save(self, path: Path) -> None:
        arrays: dict[str, object] = {
            "intents": np.asarray(self.intents),
            "features": np.asarray(sorted(self.vocabulary, key=self.vocabulary.__getitem__)),
            "idf": self.idf,
            "bias": self.bias,
            "temperature": np.asarray(self.temperature),
        }
        if isinstance(self.weights, np.ndarray):
            arrays["dense"] = self.weights
        else:
            csr = self.weights
            arrays |= {"data": csr.data, "indices": csr.indices, "indptr": csr.indptr,
                       "shape": np.asarray(csr.shape)}  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npz")
        np.savez(temporary, **arrays)  # type: ignore[arg-type]
        temporary.replace(path)  # atomic: a reader never sees half a file

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        with np.load(path, allow_pickle=False) as data:
            if "dense" in data:
                weights: Floats | sparse.csr_matrix = data["dense"]
            else:
                shape = tuple(int(n) for n in data["shape"])
                weights = sparse.csr_matrix(
                    (data["data"], data["indices"], data["indptr"]), shape=shape
                )
            features = [str(f) for f in data["features"]]
            return cls(
                intents=tuple(str(i) for i in data["intents"]),
                vocabulary={feature: index for index, feature in enumerate(features)},
                idf=data["idf"],
                weights=weights,
                bias=data["bias"],
                temperature=float(data["temperature"]),
            )


def _sparse_scores(weights: sparse.csr_matrix, rows: NDArray[np.int_], values: Floats) -> Floats:
    """``values @ weights[rows]`` without building a sub-matrix: gather, then bincount."""
    starts, ends = weights.indptr[rows], weights.indptr[rows + 1]
    lengths = ends - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    positions = offsets + np.arange(int(lengths.sum()))
    contributions = weights.data[positions] * np.repeat(values, lengths)
    summed = np.bincount(weights.indices[positions], contributions, weights.shape[1])
    return np.asarray(summed, dtype=np.float32)


def train(examples: Mapping[str, Sequence[str]], regularisation: float = 20.0) -> IntentModel:
    intents = tuple(sorted(intent for intent, texts in examples.items() if texts))
    labels = np.asarray([i for i, intent in enumerate(intents) for _ in examples[intent]])
    vocabulary: dict[str, int] = {}
    rows: list[tuple[NDArray[np.int32], Floats]] = []
    for intent in intents:
        for text in examples[intent]:
            rows.append(_encode(text_features(text), vocabulary))
    idf = _idf(rows, len(vocabulary))
    matrix = _tfidf(rows, idf)
    del rows  # the largest structure of training; gone before the model is fitted
    if len(intents) < CENTROID_FROM:
        weights, bias = _logistic(matrix, labels, regularisation)
        temperature = 1.0
    else:
        weights, bias = _centroids(matrix, labels, len(intents)), np.zeros(len(intents))
        temperature = CENTROID_TEMPERATURE
    return IntentModel(intents, vocabulary, idf, weights, bias.astype(np.float32), temperature)


def _encode(
    features: Mapping[str, int], vocabulary: dict[str, int]
) -> tuple[NDArray[np.int32], Floats]:
    """A text's features as compact arrays (feature index, raw count), growing the vocabulary."""
    indices = np.fromiter(
        (vocabulary.setdefault(f, len(vocabulary)) for f in features), np.int32, len(features)
    )
    return indices, np.fromiter(features.values(), np.float32, len(features))


def _idf(rows: Sequence[tuple[NDArray[np.int32], Floats]], size: int) -> Floats:
    frequency = np.bincount(np.concatenate([r[0] for r in rows]), minlength=size)
    return np.asarray(np.log((1 + len(rows)) / (1 + frequency)) + 1, dtype=np.float32)


def _tfidf(rows: Sequence[tuple[NDArray[np.int32], Floats]], idf: Floats) -> sparse.csr_matrix:
    indices = np.concatenate([r[0] for r in rows])
    counts = np.concatenate([r[1] for r in rows])
    indptr = np.concatenate([[0], np.cumsum([len(r[0]) for r in rows])])
    values = (1.0 + np.log(counts)) * idf[indices]
    matrix = sparse.csr_matrix((values, indices, indptr), shape=(len(rows), len(idf)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags(1 / norms) @ matrix, dtype=np.float32)


def _logistic(
    matrix: sparse.csr_matrix, labels: NDArray[np.int_], regularisation: float
) -> tuple[Floats, NDArray[np.float64]]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=regularisation, max_iter=2000)
    model.fit(matrix, labels)
    return np.ascontiguousarray(model.coef_.T, dtype=np.float32), model.intercept_


def _centroids(
    matrix: sparse.csr_matrix, labels: NDArray[np.int_], count: int, keep: int = CENTROID_KEEP
) -> sparse.csr_matrix:
    """Each intent's normalised mean vector, pruned to its ``keep`` heaviest features: common
    character n-grams weigh little in every centroid and would make each parse touch them all."""
    membership = sparse.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(count, matrix.shape[0]),
    )
    sums = sparse.csr_matrix(membership @ matrix, dtype=np.float32)
    for row in range(count):
        start, end = sums.indptr[row], sums.indptr[row + 1]
        if end - start > keep:
            values = sums.data[start:end]
            values[values < np.partition(values, -keep)[-keep]] = 0
    sums.eliminate_zeros()
    norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix((sparse.diags(1 / norms) @ sums).T, dtype=np.float32)
