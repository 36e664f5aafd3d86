"""What a citizen sends, made safe before anything reads or stores it.

Messengers deliver what people and clients produce: NUL bytes (PostgreSQL refuses them in text),
lone UTF-16 surrogates (no encoder takes them), control characters, and texts far longer than
any messenger allows when an update is forged. They are cleaned here, once, for every channel.
"""

from __future__ import annotations

import dataclasses
import re

from dialogs.contract import IncomingEvent

TEXT_LIMIT = 4096  # the longest message Telegram and VK deliver; anything longer is forged
PAYLOAD_LIMIT = 64  # bytes: our payloads are short ids (Telegram's callback data limit)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Cut to the limit; control characters dropped; a lone surrogate becomes «�»."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text[:TEXT_LIMIT]))


def clean_payload(payload: str) -> str:
    """A payload we could not have sent (too long, unprintable) is an unknown button."""
    cleaned = clean_text(payload)
    if cleaned != payload or len(payload.encode()) > PAYLOAD_LIMIT:
        return ""
    return payload


def clean(event: IncomingEvent) -> IncomingEvent:
    text = None if event.text is None else clean_text(event.text)
    payload = None if event.payload is None else clean_payload(event.payload)
    if text == event.text and payload == event.payload:
        return event
    return dataclasses.replace(event, text=text, payload=payload)
