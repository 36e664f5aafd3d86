"""Laid-out pieces → Bot API messages: HTML-escaped text within 4096 UTF-16 units, inline
keyboards."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bots.shared.layout import Piece, Rows, lay_out
from bots.shared.text_split import utf16_length
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
    return [draw(piece) for piece in lay_out(reply, MESSAGE_LIMIT, utf16_length)]


def draw(piece: Piece) -> TelegramMessage:
    return TelegramMessage(
        html.escape(piece.text, quote=False), keyboard(piece.buttons), piece.is_menu
    )


def keyboard(rows: Rows) -> InlineKeyboardMarkup | None:
    buttons = [
        [InlineKeyboardButton(text=b.label, callback_data=b.payload) for b in row]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None
