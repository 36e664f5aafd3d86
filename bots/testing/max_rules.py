"""What the MAX Bot API accepts: its documented limits, and its error answers.

From ``schema_2026_07_01.yaml`` (API 0.0.32) and dev.max.ru's «Клавиатура»; used by the fake
in ``bots.testing.max_api``."""

from __future__ import annotations

import re
from typing import Any

# The documented limits (NewMessageBody, Button, CallbackButton, LinkButton, BotStartedUpdate,
# SubscriptionRequestBody, GET /updates; the keyboard limits are dev.max.ru's "Клавиатура").
TEXT_MAX = 4000
BUTTON_TEXT_MAX = 128
PAYLOAD_MAX = 1024
URL_MAX = 2048
BUTTONS_MAX = 210
ROWS_MAX = 30
ROW_MAX = 7
WIDE_ROW_MAX = 3  # a row holding any of WIDE_BUTTONS
WIDE_BUTTONS = frozenset({"link", "open_app", "request_geo_location", "request_contact"})
BUTTON_TYPES = frozenset(
    {"callback", "link", "request_geo_location", "request_contact", "open_app", "message"}
    | {"clipboard", "chat"}
)
START_PAYLOAD_MAX = 512
SECRET = re.compile(r"[a-zA-Z0-9_-]{5,256}")
FORMATS = (None, "html", "markdown")
UPDATES_LIMIT = (1, 1000, 100)  # min, max, default
UPDATES_TIMEOUT = (0, 90, 30)


class Refusal(Exception):
    """An error answer of the API: HTTP status and MAX's error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str) -> Refusal:
    return Refusal(400, "proto.payload", message)


def unauthorized() -> Refusal:
    return Refusal(401, "verify.token", "Invalid access_token")


def blocked(chat_id: int) -> Refusal:
    """What MAX answers for a dialog whose user blocked (stopped) the bot."""
    return Refusal(403, "chat.denied", f"Key: error.dialog.suspended, args: [{chat_id},].")


def too_many() -> Refusal:
    return Refusal(429, "too.many.requests", "Too many requests")


def int_param(query: dict[str, str], name: str, low: int, high: int, default: int) -> int:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError as error:
        raise bad_request(f"{name}: must be an integer") from error
    if not low <= value <= high:
        raise bad_request(f"{name}: must be between {low} and {high}")
    return value


def new_message_body(body: Any) -> dict[str, Any]:
    """NewMessageBody checked against the schema and MAX's limits."""
    if not isinstance(body, dict):
        raise bad_request("body: NewMessageBody expected")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise bad_request("text: must be a string")
    if text is not None and len(text) > TEXT_MAX:
        raise bad_request(f"text: size must be between 0 and {TEXT_MAX}")
    if body.get("format") not in FORMATS:
        raise bad_request("format: must be one of markdown, html")
    attachments = body.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        raise bad_request("attachments: must be a list")
    for attachment in attachments or []:
        if not isinstance(attachment, dict) or not isinstance(attachment.get("type"), str):
            raise bad_request("attachments: type is required")
        if attachment["type"] == "inline_keyboard":
            check_keyboard(attachment.get("payload"))
    return body


def check_keyboard(payload: Any) -> None:
    rows = payload.get("buttons") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("buttons: must be a list of rows")
    if sum(len(row) for row in rows) > BUTTONS_MAX:
        raise bad_request("errors.maxButtons")
    if len(rows) > ROWS_MAX:
        raise bad_request("errors.maxRows")
    for row in rows:
        kinds = {b.get("type") for b in row if isinstance(b, dict)}
        if len(row) > (WIDE_ROW_MAX if kinds & WIDE_BUTTONS else ROW_MAX):
            raise bad_request("errors.maxButtonsInRow")
        for button in row:
            check_button(button)


def check_button(button: Any) -> None:
    if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
        raise bad_request(f"buttons.type: unknown button {button!r}")
    text = button.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= BUTTON_TEXT_MAX:
        raise bad_request(f"buttons.text: size must be between 1 and {BUTTON_TEXT_MAX}")
    kind, payload = button["type"], button.get("payload")
    if kind in ("callback", "clipboard") and not (
        isinstance(payload, str) and len(payload) <= PAYLOAD_MAX
    ):
        raise bad_request(f"buttons.payload: size must be between 0 and {PAYLOAD_MAX}")
    url = button.get("url")
    if kind == "link" and not (isinstance(url, str) and 1 <= len(url) <= URL_MAX):
        raise bad_request(f"buttons.url: size must be between 1 and {URL_MAX}")
