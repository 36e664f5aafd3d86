"""Buttons in a group chat belong to the citizen they were sent to.

Where groups are allowed (``ALLOW_GROUP_CHATS``), several people see one bot message, and any
of them can press its buttons. Each payload sent into a group carries a short tag of its
citizen's id; a press from anyone else is refused with a notice and changes nothing (not their
conversation, not the message). The tag needs no secret: a forger can only make a button of
their own, which acts on their own conversation.

4 characters (24 bits) fit beside our longest payload within Telegram's 64 bytes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Sequence

from dialogs.contract import Button, Reply

MARK = "~"


def tag_of(user_id: str) -> str:
    digest = hashlib.blake2b(user_id.encode(), digest_size=3).digest()
    return base64.urlsafe_b64encode(digest).decode()


def tagged(payload: str, user_id: str) -> str:
    return f"{payload}{MARK}{tag_of(user_id)}"


def owned(replies: Sequence[Reply], user_id: str) -> list[Reply]:
    """``replies`` with every button marked as ``user_id``'s."""
    return [_owned(reply, user_id) for reply in replies]


def _owned(reply: Reply, user_id: str) -> Reply:
    if not reply.buttons:
        return reply
    rows = tuple(
        tuple(Button(b.label, tagged(b.payload, user_id)) for b in row) for row in reply.buttons
    )
    return dataclasses.replace(reply, buttons=rows)


def claimed(payload: str, user_id: str) -> str | None:
    """The payload without its tag if ``user_id`` may press it; None if it is someone else's
    (or carries no tag, so cannot be told apart)."""
    bare, mark, tag = payload.rpartition(MARK)
    if not mark or tag != tag_of(user_id):
        return None
    return bare


def mark_of(payload: str) -> str:
    """The owner's mark at the end of ``payload`` («~AbCd»), or "" if it has none."""
    _, mark, tag = payload.rpartition(MARK)
    return f"{MARK}{tag}" if mark else ""
