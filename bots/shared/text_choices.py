"""Replies as plain text where no buttons can be shown: buttons become numbered choices.

The console uses it, and so does VK for clients that show no keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.contract import Reply


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    choices: tuple[str, ...]  # payloads; choice N is choices[N - 1]


def chosen(text: str, choices: Sequence[str]) -> str | None:
    """«2» picks the second choice; «²», «③» or a pasted run of digits picks none."""
    number = text.strip()
    if number.isascii() and number.isdigit() and len(number) <= 3:
        index = int(number)
        return choices[index - 1] if 1 <= index <= len(choices) else None
    return None


def render(replies: Sequence[Reply]) -> Screen:
    blocks: list[str] = []
    choices: list[str] = []
    for reply in replies:
        lines = [reply.text]
        for button in reply.all_buttons:
            choices.append(button.payload)
            lines.append(f"  {len(choices)}) {button.label}")
        blocks.append("\n".join(lines))
    return Screen("\n\n".join(blocks), tuple(choices))
