"""Splitting long texts for messengers that cap one message (4096 characters in both)."""

from __future__ import annotations

import re
from collections.abc import Callable


def utf16_length(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = utf16_length) -> list[str]:
    """Pieces of at most ``limit``, cut between paragraphs, else lines, else words."""
    if measure(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        parts = text.split(separator)
        if len(parts) > 1:
            return _pack(parts, separator, limit, measure)
    return _hard_cut(text, limit, measure)


def _pack(
    parts: list[str], separator: str, limit: int, measure: Callable[[str], int]
) -> list[str]:
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}{separator}{part}" if current else part
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if measure(part) <= limit:
            current = part
        else:
            *whole, current = split_text(part, limit, measure)
            chunks.extend(whole)
    if current:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def _hard_cut(text: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    chunks, current = [], ""
    for char in text:
        if measure(current + char) > limit:
            chunks.append(current)
            current = ""
        current += char
    return [*chunks, current] if current else chunks


def squeeze_blank_lines(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()
