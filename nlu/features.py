"""Sparse features of a text: lemma unigrams and bigrams, and character n-grams for typos."""

from __future__ import annotations

import itertools
from collections import Counter

from nlu.normalize import lemma, tokens

CHAR_SIZES = (3, 4, 5)
FEATURE_VERSION = "1"  # bump when features change: cached models are then retrained


def text_features(text: str) -> Counter[str]:
    words = tokens(text)
    lemmas = [lemma(word) for word in words]
    found: Counter[str] = Counter()
    found.update(f"w:{item}" for item in lemmas)
    found.update(f"b:{first}_{second}" for first, second in itertools.pairwise(lemmas))
    for word in words:
        padded = f" {word} "
        for size in CHAR_SIZES:
            found.update(
                f"c:{padded[i : i + size]}" for i in range(max(1, len(padded) - size + 1))
            )
    return found
