"""The project's one exception tree. It imports nothing, so every package may import it.

LifebotError
├── KnowledgeBaseError    content files are missing, unreadable or invalid
├── StorageError          the database or session store failed
├── ClassifierError       the NLU backend could not classify a text
├── ChannelError          a messenger refused a message, or a reply broke its limits
└── ConfigurationError    settings are missing or contradict each other

Library code raises these, and maps a foreign error (a driver's, a framework's) to one of
them at its own boundary. Only the channel edge turns them into citizen text (the knowledge
base's apology), never a stack trace; the CLI turns them into one Russian line.
"""

from __future__ import annotations

from collections.abc import Sequence


class LifebotError(Exception):
    """Root of every error the assistant raises on purpose."""


class KnowledgeBaseError(LifebotError):
    """The knowledge base cannot be loaded; ``problems`` lists every defect found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class StorageError(LifebotError):
    """The database or the session store did not do what was asked."""


class ClassifierError(LifebotError):
    """An intent classifier backend failed (the engine falls back or apologises)."""


class ChannelError(LifebotError):
    """A messenger's API refused what was sent, or a reply does not fit the channel's limits."""


class ConfigurationError(LifebotError):
    """Settings are missing or inconsistent."""
