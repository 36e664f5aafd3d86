"""The copy of a message that the patterns read: NFKC, no invisible characters or stress
marks, one dash.

The stored text is never rewritten by normalising: masking finds personal data in the
normalised copy and replaces the matching stretch of the original, so a message with nothing
personal in it is stored byte for byte as it was typed (its «№», «—» and non-breaking spaces
included). ``Normalised.original`` maps a stretch of the copy back to the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Zero-width and invisible characters people (or their keyboards) slip between digits.
INVISIBLE = frozenset(
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
)
# Every dash and minus becomes the ASCII hyphen.
_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe63\uff0d", "-")
)
# NFKC would turn «№» into «No»; the patterns know «№».
_KEEP = frozenset("№")
# Characters NFKC leaves alone (ASCII and the Russian alphabet): the common case costs nothing.
_SPECIAL = re.compile(r"[^\x00-\x7f\u0400-\u045f]+")


@dataclass(frozen=True, slots=True)
class Normalised:
    text: str
    # For each character of ``text``: where the original character(s) it came from start and
    # end; None when nothing changed (the copy is the original).
    starts: list[int] | None = None
    ends: list[int] | None = None

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The stretch of the original text that the copy's ``[start, end)`` came from."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def normalise(text: str) -> Normalised:
    if _SPECIAL.search(text) is None:
        return Normalised(text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0  # the original text before this index is in ``out``
    for match in _SPECIAL.finditer(text):
        begin = match.start()
        if begin > done and unicodedata.combining(text[begin]):
            begin -= 1  # a combining mark belongs with the letter before it
        _plain(text, done, begin, out, starts, ends)
        for first, last in _clusters(text, begin, match.end()):
            piece = _normal(text[first:last])
            out.append(piece)
            starts.extend([first] * len(piece))
            ends.extend([last] * len(piece))
        done = match.end()
    _plain(text, done, len(text), out, starts, ends)
    return Normalised("".join(out), starts, ends)


def _plain(
    text: str, begin: int, end: int, out: list[str], starts: list[int], ends: list[int]
) -> None:
    if begin < end:
        out.append(text[begin:end])
        starts.extend(range(begin, end))
        ends.extend(range(begin + 1, end + 1))


def _clusters(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """A base character with the combining marks after it, as (start, end) pairs."""
    clusters: list[tuple[int, int]] = []
    index = begin
    while index < end:
        last = index + 1
        while last < end and unicodedata.combining(text[last]):
            last += 1
        clusters.append((index, last))
        index = last
    return clusters


def _normal(cluster: str) -> str:
    if cluster in _KEEP:
        return cluster
    if cluster in INVISIBLE:
        return ""
    composed = unicodedata.normalize("NFKC", cluster).translate(_DASHES)
    # A mark NFKC could not compose («и» + U+0306 becomes «й») is a stress mark: it would cut
    # a word in two.
    return "".join(char for char in composed if not unicodedata.combining(char))
