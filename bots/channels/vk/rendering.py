"""Engine replies → VK messages: inline callback keyboards within VK's limits, paged past them.

VK limits for an inline keyboard: at most 5 buttons in a row, 6 rows and 10 buttons in all;
a label shows 40 characters; a payload holds 255. A reply with more choices than fit is shown
page by page, with «Ещё…» and «← Назад» buttons that page in place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from vkbottle import Callback, Keyboard

from bots.channels.vk.mapping import PAYLOAD_KEY
from bots.shared.layout import Piece, Rows, lay_out
from bots.shared.paging import KeyboardLimits
from bots.shared.text_choices import render as render_text
from bots.shared.text_split import split_text
from dialogs.contract import Button, Reply
from knowledge_base.errors import ChannelError

MESSAGE_LIMIT = 4000  # VK allows 4096; room for the numbered choices
ROW_WIDTH, ROWS, BUTTONS, LABEL, PAYLOAD = 5, 6, 10, 40, 255
PAGE_PREFIX = "vkp"  # «vkp:<token>:<page>»: a page of a long keyboard
LIMITS = KeyboardLimits(ROW_WIDTH, ROWS, BUTTONS, PAGE_PREFIX)


@dataclass(frozen=True, slots=True)
class VkMessage:
    text: str
    keyboard: str | None  # JSON, as messages.send takes it
    is_menu: bool = False


def keyboard(rows: Rows, navigation: tuple[Button, ...] = ()) -> str:
    board = Keyboard(inline=True)
    for index, row in enumerate((*rows, navigation) if navigation else rows):
        if index:
            board.row()
        for button in row:
            payload = {PAYLOAD_KEY: button.payload}
            if len(json.dumps(payload)) > PAYLOAD:
                raise ChannelError(f"payload longer than VK allows: {button.payload!r}")
            board.add(Callback(_label(button.label), payload=payload))
    return str(board.get_json())


def _label(label: str) -> str:
    return label if len(label) <= LABEL else label[: LABEL - 1] + "…"


def render(reply: Reply, page_keyboard: str | None = None) -> list[VkMessage]:
    """One reply → one or more messages; the keyboard goes with the last piece.

    ``page_keyboard``: the first page's keyboard when the reply needs paging."""
    return [draw(piece, page_keyboard) for piece in lay_out(reply, MESSAGE_LIMIT)]


def draw(piece: Piece, page_keyboard: str | None = None) -> VkMessage:
    if not piece.buttons:
        return VkMessage(piece.text, None, piece.is_menu)
    return VkMessage(piece.text, page_keyboard or keyboard(piece.buttons), piece.is_menu)


def render_plain(replies: Sequence[Reply]) -> tuple[list[VkMessage], tuple[str, ...]]:
    """For clients without keyboards: numbered choices in the text, and their payloads."""
    screen = render_text(replies)
    return [VkMessage(p, None) for p in split_text(screen.text, MESSAGE_LIMIT)], screen.choices
