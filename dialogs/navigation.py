"""Moving through menus, a situation's questions and its plan.

The plan is the citizen's: leaving a situation keeps what they told in it (``state.plans``),
and coming back — by the menu, free text, /plan or a new day — shows it without asking again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from dialogs import payloads, survey
from dialogs.contract import Button, Reply
from dialogs.plan import due_date
from dialogs.screens import answer_text
from dialogs.turn import Turn
from knowledge_base.model import Question, Situation


def main_menu(turn: Turn, text: str | None = None) -> None:
    turn.state.reset_situation()
    categories = [(c.id, c.title) for c in turn.kb.categories]
    turn.say(turn.screens.main_menu(categories, text, with_plans=bool(turn.state.plans)))


def fallback_menu(turn: Turn, text: str) -> None:
    """The menu after a misunderstanding: the categories, and the way back if there is one."""
    categories = [(c.id, c.title) for c in turn.kb.categories]
    reply = turn.screens.main_menu(categories, text)
    turn.say(with_way_back(turn, reply))


def with_way_back(turn: Turn, reply: Reply) -> Reply:
    """«Вернуться к плану» under a reply shown inside a situation."""
    if turn.state.phase == "menu" or turn.state.situation_id is None:
        return reply
    back = (Button(turn.kb.texts.buttons.continue_plan, payloads.CONTINUE_PLAN),)
    return Reply(reply.text, (back, *reply.buttons), reply.is_menu)


def category(turn: Turn, category_id: str) -> None:
    found = turn.kb.category(category_id)
    if found is None:
        main_menu(turn)
        return
    turn.state.category_id = found.id
    turn.say(turn.screens.category(found.title, turn.kb.situations_in(found.id)))


def open_situation(turn: Turn, situation_id: str, facts: Mapping[str, str] | None = None) -> None:
    """Start a situation, or bring back its saved plan. ``facts``: answers the citizen's own
    words already gave («жена вчера родила»): they are not asked again."""
    situation = turn.kb.situation(situation_id)
    if situation is None:
        main_menu(turn)
        return
    state = turn.state
    if state.situation_id != situation.id:
        state.reset_situation()
        saved = state.plans.pop(situation.id, None)
        category_found = turn.kb.category_of(situation.id)
        state.restore(situation.id, saved, category_found.id if category_found else None)
        if saved is None:
            turn.say(turn.screens.introduction(situation))
        else:
            turn.say(Reply(turn.kb.texts.plan_restored.format(title=situation.title)))
    learned = learn(turn, situation, facts or {})
    if state.phase == "plan" and not state.editing:
        show_overview(turn, updated=bool(learned))
    else:
        ask_question(turn)


def learn(turn: Turn, situation: Situation, facts: Mapping[str, str]) -> dict[str, str]:
    """Take the answers the citizen gave unasked; say in one line what was understood."""
    state = turn.state
    learned = {qid: value for qid, value in facts.items() if state.answers.get(qid) != value}
    for question_id, value in learned.items():
        question = situation.question(question_id)
        if question is not None:
            set_answer(turn, question, value)
    if learned:
        turn.say(Reply(turn.kb.texts.understood.format(facts=describe(turn, situation, learned))))
    return learned


def describe(turn: Turn, situation: Situation, answers: Mapping[str, str]) -> str:
    parts = []
    for question in situation.questions:
        if question.id in answers:
            parts.append(f"{question.title} — {answer_text(question, answers[question.id])}")
    return "; ".join(parts)


def current_question(turn: Turn) -> Question | None:
    """The question being asked: the one being changed, else the first not yet answered."""
    situation, state = turn.situation, turn.state
    if situation is None:
        return None
    if state.editing:
        return situation.question(state.editing)
    if state.phase != "questions":
        return None
    return next(
        (
            q
            for q in situation.questions
            if q.id not in state.answers and q.id not in state.skipped
        ),
        None,
    )


def ask_question(turn: Turn) -> None:
    question = current_question(turn)
    if question is None:
        show_overview(turn, first_time=True)
    else:
        turn.say(turn.screens.question(question))


def set_answer(turn: Turn, question: Question, value: str) -> None:
    state = turn.state
    state.answers[question.id] = value
    if question.id in state.skipped:
        state.skipped.remove(question.id)
    if question.kind == "date":
        state.event_date = dt.date.fromisoformat(value)


def answered(turn: Turn) -> None:
    """After an answer: the next question, or the recomputed plan when one was changed."""
    state = turn.state
    if state.editing:
        state.editing = None
        state.phase = "plan"
        state.step_index = -1
        show_overview(turn, updated=True)
        return
    ask_question(turn)


def answer_option(turn: Turn, question_id: str, option_id: str) -> None:
    """A button of a question. One from an earlier message still counts: it is what the
    citizen means now (a change of that answer)."""
    situation = turn.situation
    question = situation.question(question_id) if situation else None
    if question is None or option_id not in {o.id for o in question.options}:
        resume(turn)
        return
    asked = current_question(turn)
    if (asked is None or asked.id != question.id) and turn.state.phase == "plan":
        turn.state.editing = question.id
    set_answer(turn, question, option_id)
    answered(turn)


def skip_question(turn: Turn, *, noted: bool = False) -> None:
    question = current_question(turn)
    if question is None:
        resume(turn)
        return
    turn.state.answers.pop(question.id, None)
    if question.id not in turn.state.skipped:
        turn.state.skipped.append(question.id)
    if noted:
        turn.say(Reply(turn.kb.texts.dont_know_noted))
    answered(turn)


def previous_question(turn: Turn) -> None:
    """«Назад» while answering: the last answered question is asked again."""
    situation, state = turn.situation, turn.state
    if situation is None:
        main_menu(turn)
        return
    current = current_question(turn)
    order = [q.id for q in situation.questions]
    before = order.index(current.id) if current is not None else len(order)
    told = [
        q for q in situation.questions[:before] if q.id in state.answers or q.id in state.skipped
    ]
    if told:
        last = told[-1]
        state.answers.pop(last.id, None)
        if last.id in state.skipped:
            state.skipped.remove(last.id)
        if last.kind == "date":
            state.event_date = None
    ask_question(turn)


def reject_answer(turn: Turn, hint: str | None = None) -> None:
    """The text was neither an answer nor anything else we understood."""
    question = current_question(turn)
    turn.misunderstood()
    if question is None:
        return
    if hint is None:
        hint = (
            turn.kb.texts.date_invalid if question.kind == "date" else turn.kb.texts.choose_option
        )
    reply = turn.screens.question(question)
    turn.say(Reply(f"{hint}\n\n{reply.text}", reply.buttons))


def ask_which(turn: Turn, question: Question, candidates: tuple[str, ...]) -> None:
    options = [o for o in question.options if o.id in candidates]
    turn.say(turn.screens.which_option(question, options))


# The plan
def show_overview(turn: Turn, *, first_time: bool = False, updated: bool = False) -> None:
    situation = turn.situation
    if situation is None:
        main_menu(turn)
        return
    state = turn.state
    if first_time:
        state.phase = "plan"
        state.step_index = -1
        turn.say(Reply(turn.kb.texts.answers_saved))
    elif updated:
        turn.say(Reply(turn.kb.texts.plan_updated))
    turn.say(
        turn.screens.overview(
            situation, turn.steps(), state.event_date, turn.today,
            mid_plan=state.step_index >= 0, done=state.done, reminding=reminding(turn),
        )
    )  # fmt: skip


def deadlines_ahead(turn: Turn) -> list[tuple[str, dt.date]]:
    """The plan's steps not yet done whose due date is today or later."""
    state = turn.state
    found = []
    for step in turn.steps():
        due = due_date(step.deadline, state.event_date)
        if due is not None and due >= turn.today and step.id not in state.done:
            found.append((step.id, due))
    return found


def reminding(turn: Turn) -> bool | None:
    """For the overview's button: None when nothing is ahead to remind of."""
    if turn.state.situation_id is None or not deadlines_ahead(turn):
        return None
    return turn.state.situation_id in turn.state.reminding


def show_step(turn: Turn) -> None:
    steps = turn.steps()
    state = turn.state
    state.step_index = min(state.step_index, len(steps) - 1)  # steps may shrink on reload
    if state.step_index < 0:
        show_overview(turn)
        return
    step = steps[state.step_index]
    number, done = state.step_index + 1, step.id in state.done
    turn.say(turn.screens.step(step, number, len(steps), state.event_date, turn.today, done))


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
    elif payload == payloads.DOCUMENTS and state.step_index < 0:
        turn.say(turn.screens.plan_documents(steps))
    elif payload == payloads.EDIT_ANSWERS:
        edit_answers(turn)
    elif payload == payloads.FULL_PLAN:
        full_plan(turn)
    else:
        show_step(turn)


def _back(turn: Turn) -> None:
    state = turn.state
    if state.step_index >= 0:
        state.step_index -= 1
        show_step(turn)
        return
    edit_answers(turn)  # from the overview, «back» means changing the answers: none is lost


def edit_answers(turn: Turn) -> None:
    situation = turn.situation
    if situation is None:
        my_plan(turn)
        return
    turn.say(turn.screens.edit_answers(situation, turn.state.answers))


def edit_question(turn: Turn, question_id: str) -> None:
    situation = turn.situation
    if situation is None or situation.question(question_id) is None:
        resume(turn)
        return
    turn.state.editing = question_id
    ask_question(turn)


def full_plan(turn: Turn) -> None:
    situation = turn.situation
    if situation is None:
        my_plan(turn)
        return
    turn.say(turn.screens.full_plan(situation, turn.steps(), turn.state.event_date, turn.today))


def finish_plan(turn: Turn) -> None:
    turn.say(turn.screens.finished(turn.related()))
    if turn.state.ended_at is None:
        turn.state.end(turn.now, "plan_finished")
    survey.begin(turn, turn.kb.texts.survey_intro)


def my_plan(turn: Turn) -> None:
    """«Мой план» and /plan: the current plan, the only one, or a choice of them."""
    state = turn.state
    known = state.known_plans()
    if len(known) == 1 and known[0] == state.situation_id:
        resume(turn, plan_first=True)
    elif len(known) == 1:
        open_situation(turn, known[0])
    elif known:
        found = [s for s in (turn.kb.situation(sid) for sid in known) if s is not None]
        turn.say(turn.screens.plan_choice(found))
    elif state.situation_id and state.phase != "menu":
        resume(turn)  # nothing told yet: the question in front of them
    else:
        main_menu(turn, turn.kb.texts.plan_none)


def resume(turn: Turn, *, plan_first: bool = False) -> None:
    """Show again where the citizen is: after a stale button or a declined switch."""
    state = turn.state
    if state.survey_pending is not None and not plan_first:
        turn.say(turn.screens.survey_question(state.survey_pending, state.conversation_id))
    elif current_question(turn) is not None:
        ask_question(turn)
    elif state.phase == "plan" and (plan_first or state.step_index < 0):
        show_overview(turn)
    elif state.phase == "plan":
        show_step(turn)
    else:
        main_menu(turn)
