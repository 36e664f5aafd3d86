"""The satisfaction survey: CSAT, effort, «answered?», an optional comment; asked once.

An answer is never dropped: a button pressed late, after the citizen moved on or even after
the conversation closed, is still recorded for the conversation it belongs to.
"""

from __future__ import annotations

from dialogs import payloads
from dialogs.screens import SCALE
from dialogs.state import SurveyQuestion
from dialogs.turn import Turn

ORDER: tuple[SurveyQuestion, ...] = ("csat", "effort", "answered", "comment")
ANSWERED = ("yes", "partly", "no")
COMMENT_SKIP = "skip"


def begin(turn: Turn, intro: str) -> None:
    """Ask the first question, unless this conversation was already asked."""
    state = turn.state
    if state.survey_asked:
        state.closed = True
        return
    state.survey_asked = True
    state.survey_pending = ORDER[0]
    turn.survey_started = True
    turn.say(turn.screens.survey_question(ORDER[0], state.conversation_id, intro))


def on_button(turn: Turn, question: str, value: str, token: str) -> bool:
    """Record a survey button; False if it belongs to no survey we know (a stale button)."""
    state = turn.state
    if not _valid(question, value):
        return False
    if state.survey_asked and token == payloads.conversation_token(state.conversation_id):
        _accept(turn, ORDER[ORDER.index(question)], value)
        return True
    earlier = state.earlier_conversation_id
    if earlier and token == payloads.conversation_token(earlier):
        turn.counts_as_action = False
        if value != COMMENT_SKIP:
            turn.record_answer(question, value, earlier)
        turn.say(turn.screens.with_menu(turn.kb.texts.survey_thanks))
        return True
    return False


def on_text(turn: Turn, text: str) -> bool:
    """True when the text answered the pending question; else the citizen moved on."""
    pending = turn.state.survey_pending
    if pending is None:
        return False
    value = _value_from_text(turn, pending, text.strip())
    if value is None:
        return False
    _accept(turn, pending, value)
    return True


def _value_from_text(turn: Turn, pending: SurveyQuestion, text: str) -> str | None:
    if pending in ("csat", "effort"):
        return text if text in SCALE else None
    if pending == "answered":
        labels = turn.screens.labels
        by_label = {
            labels.answered_yes.lower(): "yes",
            labels.answered_partly.lower(): "partly",
            labels.answered_no.lower(): "no",
        }
        return by_label.get(text.lower().rstrip("!."))
    return text or None


def _valid(question: str, value: str) -> bool:
    if question in ("csat", "effort"):
        return value in SCALE
    if question == "answered":
        return value in ANSWERED
    return question == "comment" and value == COMMENT_SKIP


def _accept(turn: Turn, question: SurveyQuestion, value: str) -> None:
    state = turn.state
    turn.counts_as_action = False
    if value != COMMENT_SKIP or question != "comment":
        turn.record_answer(question, value)
    if question not in state.survey_answered:
        state.survey_answered.append(question)
    remaining = [q for q in ORDER if q not in state.survey_answered]
    if remaining:
        state.survey_pending = remaining[0]
        turn.say(turn.screens.survey_question(remaining[0], state.conversation_id))
        return
    state.survey_pending = None
    state.closed = True
    turn.say(turn.screens.survey_thanks(turn.related()))
