"""The loaded, validated knowledge base: an immutable snapshot the engine reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from knowledge_base.model.shared import Figure, Lexicon
from knowledge_base.model.situation import Category, Situation
from knowledge_base.model.texts import Texts


@dataclass(frozen=True)
class KnowledgeBaseContent:
    texts: Texts
    lexicon: Lexicon
    timezones: Mapping[str, str]  # region's official name → IANA time zone
    categories: Sequence[Category]
    situations: Mapping[str, Situation]
    version: str = field(default="")
    figures: Mapping[str, Figure] = field(default_factory=dict)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def situation(self, situation_id: str) -> Situation | None:
        return self.situations.get(situation_id)

    def situations_in(self, category_id: str) -> list[Situation]:
        category = self.category(category_id)
        if category is None:
            return []
        return [self.situations[s] for s in category.situations if s in self.situations]

    def category_of(self, situation_id: str) -> Category | None:
        return next((c for c in self.categories if situation_id in c.situations), None)

    def timezone_of(self, region: str) -> str | None:
        return self.timezones.get(region)
