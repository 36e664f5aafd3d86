"""Moving through menus, a situation's questions and its plan."""

from __future__ import annotations

import re

from dialogs import payloads, survey
from dialogs.contract import Button, Reply
from dialogs.dates import parse_date
from dialogs.turn import Turn
from knowledge_base.schema import Question


def main_menu(turn: Turn, text: str | None = None) -> None:
    turn.state.reset_situation()
    categories = [(c.id, c.title) for c in turn.kb.categories]
    turn.say(turn.screens.main_menu(categories, text))


def fallback_menu(turn: Turn, text: str) -> None:
    """The menu after a misunderstanding: the categories, and the way back if there is one."""
    categories = [(c.id, c.title) for c in turn.kb.categories]
    reply = turn.screens.main_menu(categories, text)
    if turn.state.phase != "menu":
        back = (Button(turn.kb.texts.buttons.continue_plan, payloads.CONTINUE_PLAN),)
        reply = Reply(reply.text, (*reply.buttons, back))
    turn.say(reply)


def category(turn: Turn, category_id: str) -> None:
    found = turn.kb.category(category_id)
    if found is None:
        main_menu(turn)
        return
    turn.state.category_id = found.id
    turn.say(turn.screens.category(found.title, turn.kb.situations_in(found.id)))


def open_situation(turn: Turn, situation_id: str, told: str | None = None) -> None:
    """Start a situation; ``told`` is what the citizen wrote, which may already answer the
    date question («жена вчера родила»): then it is not asked."""
    situation = turn.kb.situation(situation_id)
    if situation is None:
        main_menu(turn)
        return
    state = turn.state
    state.reset_situation()
    state.situation_id = situation.id
    category_found = turn.kb.category_of(situation.id)
    state.category_id = category_found.id if category_found else situation.category
    state.phase = "questions"
    turn.say(turn.screens.introduction(situation))
    first = situation.questions[0]
    if told and first.kind == "date" and (day := parse_date(told, turn.now.date())):
        state.event_date = day
        state.answers[first.id] = day.isoformat()
        state.question_index = 1
    ask_question(turn)


def current_question(turn: Turn) -> Question | None:
    situation = turn.situation
    index = turn.state.question_index
    if situation is None or turn.state.phase != "questions":
        return None
    return situation.questions[index] if index < len(situation.questions) else None


def ask_question(turn: Turn) -> None:
    question = current_question(turn)
    if question is None:
        show_overview(turn, first_time=True)
    else:
        turn.say(turn.screens.question(question))


def answer_option(turn: Turn, question_id: str, option_id: str) -> None:
    question = current_question(turn)
    if question is None or question.id != question_id:
        resume(turn)  # a button from an earlier message
        return
    if option_id not in {o.id for o in question.options}:
        resume(turn)
        return
    turn.state.answers[question.id] = option_id
    _advance(turn)


def skip_question(turn: Turn) -> None:
    question = current_question(turn)
    if question is None or not question.skippable:
        resume(turn)
        return
    _advance(turn)


def answer_text(turn: Turn, text: str) -> bool:
    """Try the text as the answer to the current question; False if it is not one."""
    question = current_question(turn)
    if question is None:
        return False
    if question.kind == "date":
        day = parse_date(text, turn.now.date())
        if day is not None:
            turn.state.event_date = day
            turn.state.answers[question.id] = day.isoformat()
            _advance(turn)
            return True
    option_id = _option_by_label(question, text)
    if option_id is None:
        return False
    turn.state.answers[question.id] = option_id
    _advance(turn)
    return True


def reject_answer(turn: Turn) -> None:
    """The text was neither an answer nor anything else we understood."""
    question = current_question(turn)
    turn.misunderstood()
    if question is None:
        return
    hint = turn.kb.texts.date_invalid if question.kind == "date" else turn.kb.texts.choose_option
    reply = turn.screens.question(question)
    turn.say(Reply(f"{hint}\n\n{reply.text}", reply.buttons))


def _advance(turn: Turn) -> None:
    turn.state.question_index += 1
    ask_question(turn)


def _option_by_label(question: Question, text: str) -> str | None:
    wanted = _normal(text)
    for option in question.options:
        label = _normal(option.label)
        if wanted and (wanted == label or label.split(" ")[0] == wanted):
            return option.id
    return None


def _normal(text: str) -> str:
    return re.sub(r"[^\w ]+", "", text.lower().replace("ё", "е")).strip()


def show_overview(turn: Turn, *, first_time: bool = False) -> None:
    situation = turn.situation
    if situation is None:
        main_menu(turn)
        return
    state = turn.state
    if first_time:
        state.phase = "plan"
        state.step_index = -1
        turn.say(Reply(turn.kb.texts.answers_saved))
    steps = turn.steps()
    turn.say(
        turn.screens.overview(situation, steps, state.event_date, mid_plan=state.step_index >= 0)
    )


def show_step(turn: Turn) -> None:
    steps = turn.steps()
    state = turn.state
    state.step_index = min(state.step_index, len(steps) - 1)  # steps may shrink on reload
    if state.step_index < 0:
        show_overview(turn)
        return
    step = steps[state.step_index]
    turn.say(turn.screens.step(step, state.step_index + 1, len(steps), state.event_date))


def plan_button(turn: Turn, payload: str) -> None:
    if turn.state.phase != "plan" or turn.situation is None:
        resume(turn)  # also when the situation was removed by a content reload
        return
    steps = turn.steps()
    state = turn.state
    if payload == payloads.NEXT and state.step_index + 1 < len(steps):
        state.step_index += 1
        show_step(turn)
    elif payload in (payloads.NEXT, payloads.FINISH):
        finish_plan(turn)
    elif payload == payloads.BACK:
        _back(turn)
    elif payload == payloads.ALL_STEPS:
        show_overview(turn)
    elif payload == payloads.DOCUMENTS and (step := turn.current_step()) is not None:
        turn.say(turn.screens.documents(step))
    else:
        show_step(turn)


def _back(turn: Turn) -> None:
    state = turn.state
    if state.step_index >= 0:
        state.step_index -= 1
        show_step(turn)
        return
    # From the overview, «back» means changing the answers.
    state.phase, state.question_index, state.answers, state.event_date = "questions", 0, {}, None
    ask_question(turn)


def finish_plan(turn: Turn) -> None:
    turn.say(turn.screens.finished(turn.related()))
    turn.state.end(turn.now, "plan_finished")
    survey.begin(turn, turn.kb.texts.survey_intro)


def resume(turn: Turn) -> None:
    """Show again where the citizen is: after a stale button or a declined switch."""
    state = turn.state
    if state.survey_pending is not None:
        turn.say(turn.screens.survey_question(state.survey_pending, state.conversation_id))
    elif state.phase == "questions":
        ask_question(turn)
    elif state.phase == "plan":
        show_step(turn)
    else:
        main_menu(turn)
