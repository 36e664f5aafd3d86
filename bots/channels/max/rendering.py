"""Laid-out pieces → MAX messages: HTML-escaped text below 4,000 characters, inline keyboards
within MAX's limits, paged past them.

MAX allows 4,000 characters of text (maxapi 1.2.3 itself refuses exactly 4,000, so pieces stay
below it, counted after escaping); a keyboard of at most 210 buttons in 30 rows of at most 7; a
button text of 128 characters and a payload of 1,024."""

from __future__ import annotations

import html
from dataclasses import dataclass

from maxapi.enums.attachment import AttachmentType
from maxapi.enums.parse_mode import TextFormat
from maxapi.types import CallbackButton
from maxapi.types.attachments.attachment import ButtonsPayload
from maxapi.types.attachments.buttons.attachment_button import AttachmentButton

from bots.shared.layout import Piece, Rows, lay_out
from bots.shared.paging import KeyboardLimits
from dialogs.contract import Button, Reply
from knowledge_base.errors import ChannelError

MESSAGE_LIMIT = 3999
ROW_WIDTH, ROWS, BUTTONS, LABEL, PAYLOAD = 7, 30, 210, 128, 1024
PAGE_PREFIX = "mxp"  # «mxp:<token>:<page>»: a page of a long keyboard
LIMITS = KeyboardLimits(ROW_WIDTH, ROWS, BUTTONS, PAGE_PREFIX)
FORMAT = TextFormat.HTML


@dataclass(frozen=True, slots=True)
class MaxMessage:
    text: str  # already escaped for FORMAT
    keyboard: AttachmentButton | None
    is_menu: bool

    @property
    def attachments(self) -> list[AttachmentButton]:
        """As MAX takes them; an empty list removes a keyboard the edited message had."""
        return [self.keyboard] if self.keyboard is not None else []


def escaped_length(text: str) -> int:
    return len(html.escape(text, quote=False))


def render(reply: Reply, page_keyboard: AttachmentButton | None = None) -> list[MaxMessage]:
    """One reply → one or more messages; the keyboard goes with the last piece.

    ``page_keyboard``: the first page's keyboard when the reply needs paging."""
    pieces = lay_out(reply, MESSAGE_LIMIT, escaped_length)
    return [draw(piece, page_keyboard) for piece in pieces]


def draw(piece: Piece, page_keyboard: AttachmentButton | None = None) -> MaxMessage:
    markup = (page_keyboard or keyboard(piece.buttons)) if piece.buttons else None
    return MaxMessage(html.escape(piece.text, quote=False), markup, piece.is_menu)


def keyboard(rows: Rows, navigation: tuple[Button, ...] = ()) -> AttachmentButton:
    shown = (*rows, navigation) if navigation else rows
    buttons = [[_button(button) for button in row] for row in shown if row]
    return AttachmentButton(  # type: ignore[call-arg]  # «bot» is maxapi's own, optional
        type=AttachmentType.INLINE_KEYBOARD, payload=ButtonsPayload(buttons=buttons)
    )


def _button(button: Button) -> CallbackButton:
    if len(button.payload) > PAYLOAD:
        raise ChannelError(f"payload longer than MAX allows: {button.payload!r}")
    return CallbackButton(text=_label(button.label), payload=button.payload)


def _label(label: str) -> str:
    return label if len(label) <= LABEL else label[: LABEL - 1] + "…"
