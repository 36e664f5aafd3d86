"""Keyboards longer than a messenger shows, cut into pages with «← Назад» and «Ещё…» buttons
that turn the page in place; the engine never sees those presses. VK and MAX differ only in
their limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bots.shared import ownership
from bots.shared.layout import Rows
from dialogs.contract import Button
from knowledge_base.model import Texts


@dataclass(frozen=True, slots=True)
class KeyboardLimits:
    row_width: int  # buttons in one row
    rows: int  # rows in one keyboard
    buttons: int  # buttons in one keyboard
    prefix: str  # of a page button's payload: «<prefix>:<token>:<page>»

    def fits(self, rows: Rows) -> bool:
        return (
            len(rows) <= self.rows
            and sum(map(len, rows)) <= self.buttons
            and all(len(row) <= self.row_width for row in rows)
        )

    def pages(self, rows: Rows) -> list[Rows]:
        """Rows cut into pages that fit with a navigation row: row by row, never mid-row."""
        width = self.row_width
        narrow = [row[i : i + width] for row in rows for i in range(0, len(row), width)]
        result: list[Rows] = []
        current: list[tuple[Button, ...]] = []
        for row in narrow:
            candidate = (*current, row)
            if len(candidate) > self.rows - 1 or sum(map(len, candidate)) > self.buttons - 2:
                result.append(tuple(current))
                current = []
            current.append(row)
        if current:
            result.append(tuple(current))
        return result

    def navigation(
        self, texts: Texts, token: str, page: int, cut: Sequence[Rows]
    ) -> tuple[Button, ...]:
        """«← Назад» and «Ещё…»; in a group, owned by whoever the page's buttons are for."""
        labels, mark = texts.buttons, ownership.mark_of(cut[0][0][0].payload)
        back = Button(labels.back, f"{self.prefix}:{token}:{page - 1}{mark}")
        more = Button(labels.more, f"{self.prefix}:{token}:{page + 1}{mark}")
        return (*((back,) if page > 0 else ()), *((more,) if page + 1 < len(cut) else ()))

    def page_of(self, payload: str) -> tuple[str, int] | None:
        """(token, page) of a page button's payload (its owner's mark already taken off)."""
        head, _, rest = payload.partition(":")
        token, _, page = rest.partition(":")
        if head != self.prefix or not token or not page.isdecimal():
            return None
        return token, int(page)
