"""The working copy the detectors share: what one finds is blanked out for the next ones."""

from __future__ import annotations

from collections.abc import Iterable

from storage.masking.normalise import Normalised

# A private-use character: no pattern matches it (not a letter, digit, space or separator),
# so a detector never sees, or reaches across, what an earlier one has already taken.
FILL = "\ue000"

# (start, end, tag) in the normalised copy; a None tag keeps the text but hides it from the
# detectors that follow (an ordinary date that must not join a longer number).
Span = tuple[int, int, str | None]


class Work:
    def __init__(self, normalised: Normalised) -> None:
        self.normalised = normalised
        self.text = normalised.text
        self.found: list[tuple[int, int, str]] = []

    def apply(self, spans: Iterable[Span]) -> None:
        pieces: list[str] = []
        last = 0
        for start, end, tag in sorted(spans):
            if start < last or start >= end:
                continue  # overlapping finds of one detector: the first wins
            pieces += [self.text[last:start], FILL * (end - start)]
            last = end
            if tag is not None:
                self.found.append((start, end, tag))
        if pieces:
            pieces.append(self.text[last:])
            self.text = "".join(pieces)

    def masked(self, original: str) -> str:
        """The original text with every found stretch replaced by its tag."""
        pieces: list[str] = []
        last = 0
        for start, end, tag in sorted(self.found):
            begin, finish = self.normalised.original(start, end)
            pieces += [original[last:begin], tag]
            last = finish
        pieces.append(original[last:])
        return "".join(pieces)
