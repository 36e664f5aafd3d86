"""The knowledge base's domain model: the pydantic classes the engine reads.

It imports nothing else of the project, so the engine, the loader, the NLU and the editors'
tools may all import it. Editors write YAML in these shapes; ``knowledge_base/schema.json`` is
generated from them.
"""

from knowledge_base.model.base import ButtonLabel, Model, Slug, Text
from knowledge_base.model.content import KnowledgeBaseContent
from knowledge_base.model.shared import Figure, Figures, Lexicon, Timezones
from knowledge_base.model.situation import (
    Categories,
    Category,
    Deadline,
    FollowUp,
    Meaning,
    NumberRange,
    Option,
    Place,
    Question,
    Situation,
    Source,
    Step,
)
from knowledge_base.model.texts import Buttons, Commands, Texts

__all__ = [
    "ButtonLabel", "Buttons", "Categories", "Category", "Commands", "Deadline", "Figure",
    "Figures", "FollowUp", "KnowledgeBaseContent", "Lexicon", "Meaning", "Model",
    "NumberRange", "Option", "Place", "Question", "Situation", "Slug", "Source", "Step",
    "Text", "Texts", "Timezones",
]  # fmt: skip
