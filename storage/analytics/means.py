"""A mean that hides itself when too few values are behind it."""

from __future__ import annotations

from dataclasses import dataclass

MIN_COUNT = 5  # a figure resting on fewer conversations (or rated cases) is hidden


@dataclass
class Mean:
    total: float = 0.0
    count: int = 0

    def add(self, value: float | None) -> None:
        if value is not None:
            self.total += value
            self.count += 1

    @property
    def value(self) -> float | None:
        return self.total / self.count if self.count >= MIN_COUNT else None
