"""The citizen's progress through a plan: steps marked done, reminders of the deadlines they
asked for, and the check-in on the result.

The dialogue decides (the functions here, on the turn); the engine, which holds the unit of
work, then keeps it (``settle``) and, every few seconds, turns due reminders into messages in
the outbox (``due_messages``)."""

from __future__ import annotations

import datetime as dt
import uuid

from dialogs import navigation, payloads
from dialogs.contract import Address, Button, IncomingEvent, Outgoing, Reply
from dialogs.ports import KnowledgeBase, UnitOfWork
from dialogs.records import StepDone
from dialogs.reminders import Planned, Reminder, ReminderPolicy, schedule
from dialogs.state import ConversationState, SavedPlan
from dialogs.turn import Turn
from knowledge_base.model import Texts

RESULTS = {"y": "yes", "n": "not_yet", "p": "problem"}


def mark_done(turn: Turn, step_id: str) -> None:
    """«Сделано ✓» on the current plan's step."""
    state, situation = turn.state, turn.situation
    step = situation.step(step_id) if situation else None
    if situation is None or step is None or state.phase != "plan":
        navigation.resume(turn)
        return
    if step_id not in state.done:
        state.done.append(step_id)
        left = [s for s in turn.steps() if s.id not in state.done]
        turn.steps_done.append(
            StepDone(state.conversation_id, situation.id, step_id, turn.now, not left)
        )
    texts = turn.kb.texts.progress
    turn.say(Reply(texts.step_marked.format(step=step.title)))
    if all(s.id in state.done for s in turn.steps()):
        turn.say(Reply(texts.all_done))
    navigation.show_overview(turn)


def done_from_reminder(turn: Turn, situation_id: str, step_id: str) -> None:
    """«Сделано ✓» under a reminder: its plan may not be the one the citizen is in now."""
    state = turn.state
    if state.situation_id == situation_id and state.phase == "plan":
        mark_done(turn, step_id)
        return
    situation = turn.kb.situation(situation_id)
    step = situation.step(step_id) if situation else None
    saved = state.plans.get(situation_id)
    if situation is None or step is None:
        navigation.resume(turn)
        return
    if saved is None:
        saved = state.plans[situation_id] = SavedPlan(phase="plan")
    if step_id not in saved.done:
        saved.done.append(step_id)
        turn.steps_done.append(StepDone(state.conversation_id, situation_id, step_id, turn.now,
                                        False))  # fmt: skip
    turn.say(turn.screens.with_menu(turn.kb.texts.progress.step_marked.format(step=step.title)))


def open_from_reminder(turn: Turn, situation_id: str, step_id: str) -> None:
    """«Открыть шаг» under a reminder: that plan, at that step."""
    if turn.state.situation_id != situation_id:
        navigation.open_situation(turn, situation_id)
        turn.replies.clear()  # the plan's own opening is replaced by the step asked for
    state = turn.state
    ids = [s.id for s in turn.steps()]
    if state.phase != "plan" or step_id not in ids:
        navigation.resume(turn)
        return
    state.step_index = ids.index(step_id)
    navigation.show_step(turn)


def remind_on(turn: Turn) -> None:
    if turn.situation is None or not navigation.deadlines_ahead(turn):
        turn.say(navigation.with_way_back(turn, Reply(turn.kb.texts.progress.nothing_to_remind)))
        return
    turn.remind = turn.situation.id  # the engine plans them and says when


def remind_off(turn: Turn, situation_id: str | None) -> None:
    """«Больше не напоминать»: that plan's reminders (None: every plan's)."""
    state = turn.state
    state.reminding = [s for s in state.reminding if situation_id not in (None, s)]
    turn.stop_reminders.append(situation_id)
    turn.say(navigation.with_way_back(turn, Reply(turn.kb.texts.progress.stopped)))


def checkin_answer(turn: Turn, situation_id: str, answer: str) -> bool:
    """Da / Ещё нет; False for «Возникла проблема», which the dialogue hands to a person."""
    result = RESULTS.get(answer)
    if result is None:
        navigation.resume(turn)
        return True
    turn.record_answer("result", result)
    turn.counts_as_action = False
    if situation_id not in turn.state.checked_in:
        turn.state.checked_in.append(situation_id)
    if result == "problem":
        return False
    texts = turn.kb.texts.progress
    text = texts.checkin_yes if result == "yes" else texts.checkin_not_yet
    turn.say(turn.screens.with_menu(text))
    return True


# What the engine does with it


async def settle(
    turn: Turn, uow: UnitOfWork, event: IncomingEvent, policy: ReminderPolicy, zone: str
) -> None:
    """Keep what the turn decided: steps done, reminders stopped or planned."""
    key = event.session_key
    for done in turn.steps_done:
        await uow.reminders.step_done(key, done.situation_id, done.step_id)
    for situation_id in turn.stop_reminders:
        turn.reminders_stopped += await uow.reminders.stop(key, situation_id)
    if turn.remind is not None:
        await _plan(turn, uow, event, policy, turn.state.timezone or zone)


async def _plan(
    turn: Turn, uow: UnitOfWork, event: IncomingEvent, policy: ReminderPolicy, zone: str
) -> None:
    situation_id = turn.remind or ""
    state = turn.state
    planned = schedule(navigation.deadlines_ahead(turn), turn.now, zone, policy)
    if situation_id in state.checked_in:  # at most one check-in per plan
        planned = [p for p in planned if p.kind != "checkin"]
    address = Address(event.channel, event.chat_id)
    await uow.reminders.plan([
        Reminder(uuid.uuid4().hex, p.kind, event.session_key, address, state.conversation_id,
                 situation_id, p.step_id, p.due, p.at)
        for p in planned
    ])  # fmt: skip
    if situation_id not in state.reminding:
        state.reminding.append(situation_id)
    turn.say(navigation.with_way_back(turn, Reply(_what_and_when(turn, planned, zone))))


def _what_and_when(turn: Turn, planned: list[Planned], zone: str) -> str:
    texts, situation = turn.kb.texts.progress, turn.situation
    lines = []
    by_step: dict[tuple[str, dt.date], list[dt.datetime]] = {}
    for p in planned:
        if p.kind == "reminder":
            by_step.setdefault((p.step_id, p.due), []).append(p.at)
    for (step_id, due), moments in by_step.items():
        step = situation.step(step_id) if situation else None
        when = ", ".join(_moment(m, zone) for m in moments)
        title = step.title if step else step_id
        lines.append(texts.planned_line.format(step=title, due=due.strftime("%d.%m.%Y"),
                                               when=when))  # fmt: skip
    return texts.planned.format(lines="\n".join(lines))


def _moment(moment: dt.datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).strftime("%d.%m в %H:%M")


def message_of(knowledge: KnowledgeBase, reminder: Reminder, today: dt.date) -> Outgoing | None:
    """The reminder or check-in as the citizen sees it; None if its step is gone (reload)."""
    situation = knowledge.situation(reminder.situation_id)
    step = situation.step(reminder.step_id) if situation else None
    if step is None:
        return None
    texts = knowledge.texts
    sid, stid = reminder.situation_id, reminder.step_id
    if reminder.kind == "checkin":
        labels = texts.buttons
        rows = ((Button(labels.result_yes, payloads.checkin(sid, "y")),
                 Button(labels.result_not_yet, payloads.checkin(sid, "n"))),
                (Button(labels.result_problem, payloads.checkin(sid, "p")),))  # fmt: skip
        reply = Reply(texts.progress.checkin.format(step=step.title), rows)
    else:
        reply = Reply(
            _reminder_text(texts, step.title, reminder.due, today), _buttons(texts, sid, stid)
        )
    return Outgoing(reminder.address, (reply,), reminder.conversation_id, uuid.uuid4().hex)


def _buttons(texts: Texts, situation_id: str, step_id: str) -> tuple[tuple[Button, ...], ...]:
    labels = texts.buttons
    return (
        (Button(labels.open_step, payloads.reminder_open(situation_id, step_id)),
         Button(labels.step_done, payloads.reminder_done(situation_id, step_id))),
        (Button(labels.stop_reminders, payloads.reminders_off(situation_id)),),
    )  # fmt: skip


def _reminder_text(texts: Texts, title: str, due: dt.date, today: dt.date) -> str:
    days = (due - today).days
    progress = texts.progress
    if days <= 0:
        left = progress.due_today
    else:
        one, few, many = progress.days.split("|")
        word = one if days % 10 == 1 and days % 100 != 11 else (
            few if 2 <= days % 10 <= 4 and not 12 <= days % 100 <= 14 else many)  # fmt: skip
        left = progress.days_left.format(days=days, word=word)
    return progress.reminder.format(step=title, due=due.strftime("%d.%m.%Y"), left=left)


def saved_done(state: ConversationState, situation_id: str) -> list[str]:
    if state.situation_id == situation_id:
        return state.done
    saved = state.plans.get(situation_id)
    return saved.done if saved else []
