"""Replies laid out as messages, the same way in every channel; each channel then only draws a
piece in its own markup.

The order is the engine's; a reply longer than the channel's limit is cut between paragraphs;
its buttons go with the last piece; only an uncut menu may be edited into the message whose
button was pressed (navigation stays in place, everything else is sent anew).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bots.shared.text_split import split_text
from dialogs.contract import Button, Reply

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Piece:
    """One message to send: plain text, the reply's buttons if it is the last piece."""

    text: str
    buttons: Rows
    is_menu: bool  # may replace the message the citizen pressed a button on


def lay_out(reply: Reply, limit: int, measure: Callable[[str], int] = len) -> list[Piece]:
    pieces = split_text(reply.text, limit, measure)
    last = len(pieces) - 1
    return [
        Piece(
            text=piece,
            buttons=reply.buttons if index == last else (),
            is_menu=reply.is_menu and last == 0,  # a cut reply is never edited into place
        )
        for index, piece in enumerate(pieces)
    ]


class Drawn(Protocol):
    """A piece in a channel's own markup."""

    @property
    def is_menu(self) -> bool: ...


M = TypeVar("M", bound=Drawn)
M_contra = TypeVar("M_contra", bound=Drawn, contravariant=True)
Target = TypeVar("Target")
Target_contra = TypeVar("Target_contra", contravariant=True)


class Outbox(Protocol[M_contra, Target_contra]):
    """A channel's two ways of showing a message."""

    async def send(self, message: M_contra, index: int) -> None:
        """``index``: the message's place among this turn's, for idempotent sends."""

    async def edit(self, target: Target_contra, message: M_contra) -> bool:
        """Replace message ``target`` (the one whose button was pressed: its id, or what the
        messenger needs to find it); False if it cannot be edited (then it is sent)."""


async def deliver(
    messages: Sequence[M], outbox: Outbox[M, Target], edit_target: Target | None
) -> None:
    """Send a turn's messages in order; a leading menu replaces ``edit_target`` if it can."""
    for index, message in enumerate(messages):
        editable = index == 0 and message.is_menu and edit_target is not None
        if editable and edit_target is not None and await outbox.edit(edit_target, message):
            continue
        await outbox.send(message, index)
