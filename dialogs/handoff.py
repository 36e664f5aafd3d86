"""Hand-off to a person: the citizen's question becomes a case in the operators' queue, their
messages become its lines while it is open, and after it closes they are back with the
assistant, asked how the operator helped.

The dialogue decides (``request``, ``take_question``); the engine, which holds the unit of
work, then opens the case and tells the citizen their place and wait (``settle``), or adds a
message to an open case (``relay``)."""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from dataclasses import dataclass

from dialogs import navigation, payloads
from dialogs.cases import CaseKind, CaseLine, CaseOpened, Cases
from dialogs.contract import Address, Button, IncomingEvent, Reply
from dialogs.office import OfficeHours
from dialogs.ports import UnitOfWork
from dialogs.reading.words import Message
from dialogs.state import CaseSurvey, ConversationState, Handoff, SurveyQuestion
from dialogs.survey import read as read_survey_answer
from dialogs.turn import Turn
from knowledge_base.model import Texts

WAIT_SAMPLES = 20  # recent cases the expected wait is measured from
MIN_SAMPLES = 3  # fewer: no estimate rather than a guess
QUESTION_WORDS = 3  # a request with this many words of its own says what it is about
SURVEY: tuple[SurveyQuestion, ...] = ("csat", "answered", "comment")


@dataclass(frozen=True, slots=True)
class HandoffPolicy:
    office: OfficeHours | None = None  # None: operators are always there


def back_button(texts: Texts) -> tuple[Button, ...]:
    return (Button(texts.buttons.back_to_assistant, payloads.HANDOFF_BACK),)


def request(turn: Turn, kind: CaseKind, words: str | None = None) -> None:
    """The citizen asked for a person (or complained): take their question, or ask for it."""
    turn.state.human_requested = True
    turn.state.handoff = Handoff(stage="asking", kind=kind)
    if words and _says_what_about(turn, words):
        turn.handoff_question = words
        return
    texts = turn.kb.texts
    turn.say(Reply(texts.handoff.ask_question, (back_button(texts),)))


def _says_what_about(turn: Turn, words: str) -> bool:
    """More than a call for a person: «позовите оператора, не могу записаться к врачу»."""
    reader = turn.reader
    own = reader.content(Message.of(words)) - reader.person_words
    return len(own) >= QUESTION_WORDS


def asking(state: ConversationState) -> bool:
    return state.handoff is not None and state.handoff.stage == "asking"


def take_question(turn: Turn, text: str) -> None:
    """The one line asked for: it is the case's question."""
    turn.handoff_question = text


def leave(turn: Turn) -> None:
    """The citizen went back to the assistant before a case was opened."""
    turn.state.handoff = None
    turn.say(Reply(turn.kb.texts.handoff.back))
    navigation.resume(turn)


async def settle(turn: Turn, uow: UnitOfWork, event: IncomingEvent, policy: HandoffPolicy) -> None:
    """Open the case the dialogue asked for, and tell the citizen what happens next."""
    handoff, question = turn.state.handoff, turn.handoff_question
    if handoff is None or question is None:
        return
    case = _case(turn, event, handoff.kind, question, policy)
    await uow.cases.open(case)
    turn.state.handoff = Handoff(stage="open", kind=handoff.kind, case_id=case.case_id)
    turn.opened_case = case.case_id
    turn.say(
        Reply(await _where_in_queue(uow.cases, case, turn, policy), (back_button(turn.kb.texts),))
    )


async def relay(turn: Turn, uow: UnitOfWork, event: IncomingEvent) -> bool:
    """While a case is open: the citizen's text is a line of it (the bot says nothing once
    an operator has it); «Вернуться к помощнику» withdraws it. False: not ours to handle."""
    handoff = turn.state.handoff
    if handoff is None or handoff.stage != "open" or handoff.case_id is None:
        return False
    case = await uow.cases.get(handoff.case_id)
    if case is None or case.summary.status == "closed":
        turn.state.handoff = None  # closed at the desk meanwhile: the assistant again
        return False
    if event.payload == payloads.HANDOFF_BACK:
        await uow.cases.close(handoff.case_id, None, "withdrawn", turn.now)
        leave(turn)
        return True
    text = (event.text or "").strip()
    if text.lower().startswith("/forget"):  # nothing of theirs may wait at the desk
        await uow.cases.close(handoff.case_id, None, "withdrawn", turn.now)
        return False
    if event.payload or text.startswith("/"):
        return False  # a button or a command: the assistant answers, the case stays open
    await uow.cases.add_line(handoff.case_id, CaseLine("citizen", text, turn.now))
    turn.counts_as_action = False
    if case.summary.status == "queued":
        texts = turn.kb.texts
        turn.say(Reply(texts.handoff.added, (back_button(texts),)))
    return True


# The survey about the operator's help


def begin_survey(turn: Turn, case_id: str) -> None:
    """The case closed: back with the assistant, first asked how the operator helped."""
    state, texts = turn.state, turn.kb.texts
    state.handoff = None
    state.case_survey = CaseSurvey(case_id=case_id)
    question = turn.screens.survey_question("csat", case_id, texts.handoff.closed)
    turn.say(question)


def survey_button(turn: Turn, question: str, value: str, token: str) -> bool:
    """A button of the operator survey: recorded with its case; False if it is not one."""
    survey = turn.state.case_survey
    if survey is None or token != payloads.conversation_token(survey.case_id):
        return False
    if question not in SURVEY or question in survey.answered:
        turn.counts_as_action = False
        return True  # a double tap or an old keyboard: the answer given stands
    _accept(turn, survey, question, value)
    return True


def survey_text(turn: Turn, text: str) -> bool:
    """A typed answer to the operator survey («5», «да»); False if it is not one."""
    survey = turn.state.case_survey
    if survey is None or survey.pending is None:
        return False
    value = read_survey_answer(turn.reader, survey.pending, Message.of(text))
    if value is None:
        return False
    _accept(turn, survey, survey.pending, value)
    return True


def _accept(turn: Turn, survey: CaseSurvey, question: SurveyQuestion, value: str) -> None:
    turn.counts_as_action = False
    if value != "skip":
        turn.record_answer(question, value, case_id=survey.case_id)
    survey.answered.append(question)
    remaining = [q for q in SURVEY if q not in survey.answered]
    if remaining:
        survey.pending = remaining[0]
        turn.say(turn.screens.survey_question(remaining[0], survey.case_id))
        return
    turn.state.case_survey = None
    turn.say(Reply(turn.kb.texts.handoff.survey_thanks))
    navigation.resume(turn)


# What the case holds, and what the citizen is told


def _case(
    turn: Turn, event: IncomingEvent, kind: CaseKind, question: str, policy: HandoffPolicy
) -> CaseOpened:
    situation, step = turn.situation, turn.current_step()
    answers: tuple[tuple[str, str], ...] = ()
    if situation is not None:
        answers = tuple(
            (q.text, _answer_label(q, turn.state.answers[q.id]))
            for q in situation.questions
            if q.id in turn.state.answers
        )
    office = policy.office
    return CaseOpened(
        case_id=uuid.uuid4().hex,
        conversation_id=turn.state.conversation_id,
        session_key=event.session_key,
        address=Address(event.channel, event.chat_id),
        kind=kind,
        question=question,
        situation_id=turn.state.situation_id,
        step_title=step.title if step else None,
        answers=answers,
        recent=(),  # storage adds the conversation's last messages, masked as they are kept
        opened_at=turn.now,
        off_hours=office is not None and not office.is_open(turn.now),
    )


def _answer_label(question: object, value: str) -> str:
    options = getattr(question, "options", ())
    return next((o.label for o in options if o.id == value), value)


async def _where_in_queue(
    cases: Cases, case: CaseOpened, turn: Turn, policy: HandoffPolicy
) -> str:
    texts = turn.kb.texts.handoff
    office = policy.office
    if office is not None and case.off_hours:
        return texts.off_hours.format(
            hours=working_hours(office, turn.kb.texts),
            next_open=next_open(office, turn.now, turn.kb.texts),
        )
    position = await cases.queued_ahead(case.case_id) + 1
    waits = await cases.recent_waits(turn.now, WAIT_SAMPLES)
    if len(waits) < MIN_SAMPLES:
        return texts.queued_no_estimate.format(position=position)
    typical = statistics.median(w.total_seconds() for w in waits)
    return texts.queued.format(position=position, wait=duration(typical, turn.kb.texts))


def duration(seconds: float, texts: Texts) -> str:
    """«5 минут», «2 часа»: rounded up, never «0 минут»."""
    minutes = max(1, int(-(-seconds // 60)))
    if minutes < 90:
        return f"{minutes} {_plural(minutes, texts.handoff.minutes)}"
    hours = round(minutes / 60)
    return f"{hours} {_plural(hours, texts.handoff.hours)}"


def _plural(number: int, forms: str) -> str:
    one, few, many = forms.split("|")
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


def working_hours(office: OfficeHours, texts: Texts) -> str:
    names = texts.handoff.weekdays.split("|")
    days = sorted(office.days)
    spans = _spans(days)
    named = ", ".join(
        names[a - 1] if a == b else f"{names[a - 1]}–{names[b - 1]}" for a, b in spans
    )
    return texts.handoff.hours_format.format(
        days=named, opens=office.opens.strftime("%H:%M"), closes=office.closes.strftime("%H:%M")
    )


def _spans(days: list[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for day in days:
        if spans and spans[-1][1] == day - 1:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def next_open(office: OfficeHours, now: dt.datetime, texts: Texts) -> str:
    opening = office.next_opening(now)
    names = texts.handoff.weekdays.split("|")
    return texts.handoff.next_open_format.format(
        weekday=names[opening.isoweekday() - 1],
        date=opening.strftime("%d.%m"),
        time=opening.strftime("%H:%M"),
    )
