"""Button payloads: short ids, never content (Telegram allows 64 bytes of callback data)."""

from __future__ import annotations

MENU = "m"
OPERATOR = "op"
HANDOFF_BACK = "hb"  # «Вернуться к помощнику» under an operator's answer
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


# Progress: steps done, reminders, the check-in.
REMIND_ON = "rm:on"
REMIND_OFF = "rm:off"


def step_done(step_id: str) -> str:
    return f"sd:{step_id}"


def reminder_open(situation_id: str, step_id: str) -> str:
    return f"ro:{situation_id}:{step_id}"


def reminder_done(situation_id: str, step_id: str) -> str:
    return f"rd:{situation_id}:{step_id}"


def reminders_off(situation_id: str) -> str:
    return f"rx:{situation_id}"


def checkin(situation_id: str, answer: str) -> str:
    """``answer``: y (done), n (not yet), p (a problem: a person is offered)."""
    return f"ci:{situation_id}:{answer}"
