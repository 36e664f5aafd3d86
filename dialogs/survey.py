"""The satisfaction survey: CSAT, effort, «answered?», an optional comment; asked once.

An answer is never dropped and never overwritten: a button pressed late, after the citizen
moved on or even after the conversation closed, is still recorded for the conversation it
belongs to — unless that question already has its answer. Typed answers are read as people
type them: «5», «пять», «4 наверное», «на 4», «да», «частично», «пропустить».
"""

from __future__ import annotations

from dialogs import payloads
from dialogs.reading.reader import Reader
from dialogs.reading.words import Message, as_number
from dialogs.screens import SCALE
from dialogs.state import SurveyQuestion
from dialogs.turn import Turn

ORDER: tuple[SurveyQuestion, ...] = ("csat", "effort", "answered", "comment")
ANSWERED = ("yes", "partly", "no")
COMMENT_SKIP = "skip"
EXTRA_WORDS = 1  # «4 наверное» is a rating; «4 шага непонятны» is not


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
        asked = ORDER[ORDER.index(question)]
        if asked in state.survey_answered or _out_of_turn(turn, asked):
            # A double tap, an old keyboard or a forged press: the answer given stands, the
            # question on screen stays, and nothing is asked twice.
            turn.counts_as_action = False
            return True
        _accept(turn, asked, value)
        return True
    earlier = state.earlier_conversation_id
    if earlier and token == payloads.conversation_token(earlier):
        turn.counts_as_action = False
        asked = ORDER[ORDER.index(question)]
        if value != COMMENT_SKIP and asked not in state.earlier_survey_answered:
            turn.record_answer(question, value, earlier)
        if asked not in state.earlier_survey_answered:
            state.earlier_survey_answered.append(asked)
        turn.say(turn.screens.with_menu(turn.kb.texts.survey_thanks))
        return True
    return False


def on_text(turn: Turn, text: str) -> bool:
    """True when the text answered the pending question; else the citizen moved on."""
    pending = turn.state.survey_pending
    if pending is None:
        return False
    value = read(turn.reader, pending, Message.of(text))
    if value is None:
        return False
    _accept(turn, pending, value)
    return True


def read(reader: Reader, pending: SurveyQuestion, message: Message) -> str | None:
    if pending in ("csat", "effort"):
        return _rating(reader, message)
    if pending == "answered":
        if reader.says(message, "partly"):
            return "partly"
        if reader.says(message, "no"):
            return "no"
        return "yes" if reader.says(message, "yes") else None
    if not message.words or any(reader.says_exactly(message, w) for w in ("skip", "no")):
        return COMMENT_SKIP  # «нет» to «Что нам улучшить?» is nothing to improve
    return message.text.strip()


def _rating(reader: Reader, message: Message) -> str | None:
    """One number from 1 to 5 and at most a filler word besides («на 4», «пять из пяти»)."""
    values: set[int] = set()
    others = 0
    words = list(message.words)
    for index, word in enumerate(words):
        if index and words[index - 1] == "из":
            continue  # «из 5» names the scale, not the rating
        number = as_number(word)
        number = reader.numbers.get(word) if number is None else number
        if number is not None:
            values.add(number)
        elif word not in reader.fillers:
            others += 1
    if len(values) != 1 or others > EXTRA_WORDS:
        return None
    value = str(values.pop())
    return value if value in SCALE else None


def _out_of_turn(turn: Turn, question: SurveyQuestion) -> bool:
    """A question not yet asked while another waits: no keyboard we showed carries it."""
    pending = turn.state.survey_pending
    return pending is not None and question != pending


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
    _next_or_thanks(turn)


def _next_or_thanks(turn: Turn) -> None:
    state = turn.state
    remaining = [q for q in ORDER if q not in state.survey_answered]
    if remaining:
        state.survey_pending = remaining[0]
        turn.say(turn.screens.survey_question(remaining[0], state.conversation_id))
        return
    if state.survey_pending is None and state.closed:
        turn.say(turn.screens.with_menu(turn.kb.texts.survey_thanks))
        return
    state.survey_pending = None
    state.closed = True
    turn.say(turn.screens.survey_thanks(turn.related()))
