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
            scores = self.weights[indices].T @ values
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


def train(examples: Mapping[str, Sequence[str]], regularisation: float = 20.0) -> IntentModel:
    intents = tuple(sorted(intent for intent, texts in examples.items() if texts))
    texts = [text for intent in intents for text in examples[intent]]
    labels = np.asarray([i for i, intent in enumerate(intents) for _ in examples[intent]])
    counted = [text_features(text) for text in texts]
    vocabulary: dict[str, int] = {}
    for features in counted:
        for feature in features:
            vocabulary.setdefault(feature, len(vocabulary))
    idf = _idf(counted, vocabulary)
    matrix = _tfidf(counted, vocabulary, idf)
    if len(intents) < CENTROID_FROM:
        weights, bias = _logistic(matrix, labels, regularisation)
        temperature = 1.0
    else:
        weights, bias = _centroids(matrix, labels, len(intents)), np.zeros(len(intents))
        temperature = CENTROID_TEMPERATURE
    return IntentModel(intents, vocabulary, idf, weights, bias.astype(np.float32), temperature)


def _idf(counted: Sequence[Mapping[str, int]], vocabulary: Mapping[str, int]) -> Floats:
    frequency = np.zeros(len(vocabulary), dtype=np.float32)
    for features in counted:
        for feature in features:
            frequency[vocabulary[feature]] += 1
    return np.asarray(np.log((1 + len(counted)) / (1 + frequency)) + 1, dtype=np.float32)


def _tfidf(
    counted: Sequence[Mapping[str, int]], vocabulary: Mapping[str, int], idf: Floats
) -> sparse.csr_matrix:
    rows, cols, values = [], [], []
    for row, features in enumerate(counted):
        for feature, count in features.items():
            index = vocabulary[feature]
            rows.append(row)
            cols.append(index)
            values.append((1.0 + math.log(count)) * idf[index])
    matrix = sparse.csr_matrix(
        (values, (rows, cols)), shape=(len(counted), len(vocabulary)), dtype=np.float32
    )
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
    matrix: sparse.csr_matrix, labels: NDArray[np.int_], count: int
) -> sparse.csr_matrix:
    membership = sparse.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(count, matrix.shape[0]),
    )
    sums = sparse.csr_matrix(membership @ matrix)
    norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix((sparse.diags(1 / norms) @ sums).T, dtype=np.float32)
