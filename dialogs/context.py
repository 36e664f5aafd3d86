"""Free text read in context: a reply to an offer, plan words typed, the answer to the open
question, a follow-up about the plan. Each returns False when the text is not that."""

from __future__ import annotations

from dialogs import navigation, payloads, progress
from dialogs.contract import Reply
from dialogs.ports import Classification
from dialogs.reading.answers import read_answer
from dialogs.reading.facts import facts
from dialogs.reading.followups import find_follow_up
from dialogs.reading.words import Message
from dialogs.turn import Turn
from knowledge_base.model import Question, Situation

PLAN_MOVES = {
    "next": payloads.NEXT,
    "back": payloads.BACK,
    "documents": payloads.DOCUMENTS,
    "all_steps": payloads.ALL_STEPS,
    "finish": payloads.FINISH,
    "full_plan": payloads.FULL_PLAN,
    "edit": payloads.EDIT_ANSWERS,
}


def switch(turn: Turn, accepted: bool) -> None:
    target, turn.state.pending_switch = turn.state.pending_switch, None
    if accepted and target:
        navigation.open_situation(turn, target)
    else:
        navigation.resume(turn)  # declining keeps everything


def offer_answer(turn: Turn, message: Message, offered: list[str]) -> bool:
    """«да» to «Вы имели в виду…?» with one topic, or a topic's title typed."""
    titles = {sid: s.title for sid in offered if (s := turn.kb.situation(sid))}
    chosen = [sid for sid, title in titles.items() if Message.of(title).stems == message.stems]
    if not chosen and len(offered) == 1 and turn.reader.says(message, "yes"):
        chosen = offered
    if len(chosen) != 1:
        return False
    navigation.open_situation(turn, chosen[0])
    return True


def switch_answer(turn: Turn, message: Message) -> bool:
    reader = turn.reader
    if reader.says(message, "no"):
        switch(turn, accepted=False)
    elif reader.says(message, "yes"):
        switch(turn, accepted=True)
    else:
        turn.state.pending_switch = None  # they went on talking: the offer lapses
        return False
    return True


def plan_words(turn: Turn, message: Message) -> bool:
    """The words of the plan's buttons, typed instead of pressed."""
    word = turn.reader.plan_word(message)
    state = turn.state
    if word == "menu":
        navigation.main_menu(turn)
    elif word == "plan" and state.phase == "plan" and not state.editing:
        navigation.plan_button(turn, payloads.CONTINUE_PLAN)  # back where they were
    elif word == "plan":
        navigation.my_plan(turn)
    elif word in PLAN_MOVES and state.phase == "plan" and not state.editing:
        navigation.plan_button(turn, PLAN_MOVES[word])
    elif word == "back" and navigation.current_question(turn) is not None:
        navigation.previous_question(turn)
    elif word == "edit" and turn.situation is not None:
        navigation.edit_answers(turn)
    elif word == "done" and (step := turn.current_step()) is not None:
        progress.mark_done(turn, step.id)
    elif word == "remind" and state.phase == "plan":
        progress.remind_on(turn)
    elif word == "stop_reminders":
        progress.remind_off(turn, state.situation_id)
    else:
        return False
    return True


def answer_question(
    turn: Turn, question: Question, message: Message, classification: Classification
) -> bool:
    """The text as the answer to the open question (and any other facts it gives)."""
    situation = turn.situation
    if situation is None:
        return False
    entities = classification.entities
    reading = read_answer(turn.reader, situation, question, message, entities, turn.today)
    texts = turn.kb.texts
    if reading.answered and reading.value:
        told = set(turn.state.answers) | set(turn.state.skipped) | {question.id}
        navigation.set_answer(turn, question, reading.value)
        found = facts(turn.reader, situation, message, entities, turn.today, skip=told)
        navigation.learn(turn, situation, found)
        navigation.answered(turn)
    elif reading.kind == "future_date":
        asked = turn.screens.question(question)
        turn.say(Reply(f"{texts.date_future}\n\n{asked.text}", asked.buttons))
    elif reading.kind == "skip":
        navigation.skip_question(turn, noted=turn.reader.says(message, "unknown"))
    elif reading.kind == "ambiguous":
        navigation.ask_which(turn, question, reading.candidates)
    else:
        return False
    return True


def follow_up(
    turn: Turn, situation: Situation, message: Message, question: Question | None
) -> bool:
    match = find_follow_up(turn.reader, situation, turn.steps(), turn.current_step(), message)
    if match is None:
        return False
    turn.follow_up = match.key
    answer = turn.screens.follow_up(match, turn.state.event_date, turn.today)
    if question is not None:
        turn.say(answer, turn.screens.question(question))  # then the open question again
    else:
        turn.say(navigation.with_way_back(turn, answer))
    return True


def unanswered(turn: Turn) -> None:
    """A question about the plan we have no answer for: recorded for the editors."""
    turn.follow_up = "unanswered"
    turn.misunderstood()
    screens = turn.screens
    reply = screens.with_menu(turn.kb.texts.followup_not_found, screens.operator_button())
    turn.say(navigation.with_way_back(turn, reply))
