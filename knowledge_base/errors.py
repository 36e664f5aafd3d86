"""The project's one exception tree. It imports nothing, so every package may import it.

LifebotError
├── KnowledgeBaseError    content files are missing, unreadable or invalid
├── StorageError          the database or session store failed
│   └── StorageUnavailable    it could not be reached or did not answer in time: nothing of
│                             the turn was kept, and the same update may simply come again
├── ClassifierError       the NLU backend could not classify a text
├── ChannelError          a messenger refused a message, or a reply broke its limits
├── ConfigurationError    settings are missing or contradict each other
└── DeskError             an operator's action cannot be done (shown to them as written)
    ├── CaseNotFound, CaseTaken, CaseNotYours, CaseClosed
    ├── InvalidReply          an empty or too long reply, an unknown resolution
    └── OperatorExists

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


class StorageUnavailable(StorageError):
    """The database was down, unreachable or too slow: the turn was rolled back whole. The
    update is refused so the messenger redelivers it, rather than answered with an apology."""


class ClassifierError(LifebotError):
    """An intent classifier backend failed (the engine falls back or apologises)."""


class ChannelError(LifebotError):
    """A messenger's API refused what was sent, or a reply does not fit the channel's limits."""


class ConfigurationError(LifebotError):
    """Settings are missing or inconsistent."""


class DeskError(LifebotError):
    """An operator's action at the desk cannot be done; the message says why, in Russian,
    and is shown to the operator as written."""


class CaseNotFound(DeskError):
    """No such case."""


class CaseTaken(DeskError):
    """Another operator claimed the case first (or it is not in the queue any more)."""


class CaseNotYours(DeskError):
    """The case is held by another operator."""


class CaseClosed(DeskError):
    """The case is closed: nothing more can be done with it."""


class InvalidReply(DeskError):
    """A reply or a resolution the desk cannot take (empty, too long, unknown)."""


class OperatorExists(DeskError):
    """An operator with this name exists already."""
