"""The conversation a log line belongs to, without passing it through every call."""

from __future__ import annotations

from contextvars import ContextVar

conversation_id: ContextVar[str | None] = ContextVar("conversation_id", default=None)
