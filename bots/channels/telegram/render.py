"""Engine replies → Bot API messages: HTML-escaped text under 4096 characters, inline keyboards."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bots.shared.text_split import split_text
from dialogs.contract import Reply

MESSAGE_LIMIT = 4096
PARSE_MODE = "HTML"


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    text: str  # already escaped for PARSE_MODE
    markup: InlineKeyboardMarkup | None
    is_menu: bool


def render(reply: Reply) -> list[TelegramMessage]:
    """One reply → one or more messages; the keyboard goes with the last piece."""
    pieces = split_text(reply.text, MESSAGE_LIMIT)
    markup = keyboard(reply)
    last = len(pieces) - 1
    return [
        TelegramMessage(
            text=html.escape(piece, quote=False),
            markup=markup if index == last else None,
            is_menu=reply.is_menu and last == 0,  # a split reply is never edited into place
        )
        for index, piece in enumerate(pieces)
    ]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = [
        [InlineKeyboardButton(text=b.label, callback_data=b.payload) for b in row]
        for row in reply.buttons
        if row
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
