"""Button payloads: short ids, never content (Telegram allows 64 bytes of callback data)."""

from __future__ import annotations

MENU = "m"
OPERATOR = "op"
SKIP_QUESTION = "q:skip"
NEXT = "n:next"
BACK = "n:back"
ALL_STEPS = "n:all"
DOCUMENTS = "n:docs"
FINISH = "n:finish"
CONTINUE_PLAN = "n:plan"
SWITCH_YES = "sw:y"
SWITCH_NO = "sw:n"
MAX_BYTES = 64


def category(category_id: str) -> str:
    return f"c:{category_id}"


def situation(situation_id: str) -> str:
    return f"s:{situation_id}"


def answer(question_id: str, option_id: str) -> str:
    return f"a:{question_id}:{option_id}"


def survey(question: str, value: str, conversation_id: str) -> str:
    """The conversation's first 8 characters let an answer given late still find its survey."""
    return f"v:{question}:{value}:{conversation_token(conversation_id)}"


def conversation_token(conversation_id: str) -> str:
    return conversation_id[:8]


def split(payload: str) -> tuple[str, tuple[str, ...]]:
    """'a:married:yes' -> ('a', ('married', 'yes'))."""
    head, *rest = payload.split(":")
    return head, tuple(rest)


MY_PLAN = "pl"
EDIT_ANSWERS = "n:edit"
FULL_PLAN = "n:full"


def edit(question_id: str) -> str:
    return f"e:{question_id}"


def plan(situation_id: str) -> str:
    return f"p:{situation_id}"
