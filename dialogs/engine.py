"""The dialogue engine: one call per citizen event, one unit of work per call."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dialogs import handoff, navigation, progress, survey
from dialogs.contract import Address, IncomingEvent, Outgoing, Reply
from dialogs.dialogue import Dialogue, UnderstandingPolicy
from dialogs.handoff import HandoffPolicy
from dialogs.logcontext import conversation_id
from dialogs.ports import (
    IntentClassifier,
    KnowledgeBase,
    TurnObserver,
    TurnSummary,
    UnitOfWork,
    UnitOfWorkFactory,
)
from dialogs.reading.reader import Reader
from dialogs.records import ConversationOpened, ConversationSnapshot, MessageKind, MessageRecord
from dialogs.reminders import ReminderPolicy
from dialogs.state import ConversationState
from dialogs.turn import Turn


@dataclass(frozen=True, slots=True)
class EngineConfig:
    idle_timeout: dt.timedelta = dt.timedelta(minutes=15)
    policy: UnderstandingPolicy = field(default_factory=UnderstandingPolicy)
    idle_batch: int = 100
    timezone: str = "Europe/Moscow"  # where «вчера» is counted for a citizen of unknown region
    delivery_lease: dt.timedelta = dt.timedelta(minutes=2)  # a sender silent this long died
    # The wall clock, when the engine runs for real: a message written during an outage and
    # delivered after it is idle from when it was answered, not from when it was written.
    clock: Callable[[], dt.datetime] | None = None
    # Operators at the desk take the citizens who ask for a person; None: the contact
    # centre's phone number is given instead.
    handoff: HandoffPolicy | None = None
    # Reminders of the plan's deadlines, on the citizen's request; None: not offered.
    reminders: ReminderPolicy | None = None


class DialogEngine:
    def __init__(
        self,
        knowledge: KnowledgeBase,
        classifier: IntentClassifier,
        units: UnitOfWorkFactory,
        config: EngineConfig | None = None,
        observer: TurnObserver | None = None,
    ) -> None:
        # Reassigning ``knowledge`` swaps the content for the next turns (live reload).
        self.knowledge = knowledge
        self._units = units
        self._config = config or EngineConfig()
        self._dialogue = self._dialogue_for(classifier)
        self._reader = Reader(knowledge.lexicon)
        self._observer = observer

    def _dialogue_for(self, classifier: IntentClassifier) -> Dialogue:
        return Dialogue(classifier, self._config.policy, self._config.handoff is not None)

    def swap(self, knowledge: KnowledgeBase, classifier: IntentClassifier) -> None:
        """New content and its classifier for the next turns, at once (live reload). Turns in
        flight finish on what they started with; a removed step or situation is handled by
        the conversation's next turn (it clamps to the plan, or returns to the menu)."""
        self.knowledge = knowledge
        self._dialogue = self._dialogue_for(classifier)
        self._reader = Reader(knowledge.lexicon)

    def _default_today(self, now: dt.datetime) -> dt.date:
        """The day where the deployment is: most citizens' day (others are read again)."""
        return now.astimezone(ZoneInfo(self._config.timezone)).date()

    def _turn(self, state: ConversationState, now: dt.datetime) -> Turn:
        return Turn(self.knowledge, state, now, self._reader, zone=self._config.timezone)

    async def handle(self, event: IncomingEvent) -> list[Reply]:
        """Answer one event; its state and records are committed before the replies return."""
        started = time.perf_counter()
        dialogue = self._dialogue
        ahead = await dialogue.read_ahead(event, self._default_today(event.at))
        async with self._units() as uow:
            if event.event_id is None:
                state = await uow.sessions.load(event.session_key)
            else:
                claimed, state = await uow.claim_and_load(
                    event.channel, event.event_id, event.at, event.session_key
                )
                if not claimed:
                    # Delivered again: handled once already, but its answer may never have
                    # left (the process died between commit and send): it is given again.
                    return list(await uow.replies_of(event.channel, event.event_id))
            if state is not None:
                conversation_id.set(state.conversation_id)
            if state is None or state.closed:
                turn = self._turn(ConversationState.start(event.at, after=state), event.at)
                opened = ConversationOpened(
                    turn.state.conversation_id, event.channel, event.user_id, event.at
                )
                turn.opened.append(opened)
            else:
                turn = self._turn(state, event.at)
            turn.classified = ahead
            if not await handoff.relay(turn, uow, event):
                await dialogue.respond(turn, event)
            conversation_id.set(turn.state.conversation_id)
            if turn.forget:
                await uow.reminders.stop(event.session_key, None)
                await uow.recorder.forget_citizen(event.channel, event.user_id)
                await uow.sessions.forget(event.session_key)
                await uow.commit()
                return turn.replies
            if turn.counts_as_action:
                turn.state.actions += 1
            turn.state.last_event_at = event.at
            await self._persist(uow, turn, _message(turn, event))
            if self._config.handoff is not None:  # after the conversation's row: it refers to it
                await handoff.settle(turn, uow, event, self._config.handoff)
            if self._config.reminders is not None:
                await progress.settle(turn, uow, event, self._config.reminders, self._zone)
            if event.event_id is not None:
                await uow.keep_replies(event.channel, event.event_id, turn.replies)
            await uow.sessions.save(
                event.session_key,
                Address(event.channel, event.chat_id),
                turn.state,
                self._idle_due(turn.state, answered_at=self._answered_at(event)),
            )
            await uow.commit()
        self._observe(event.channel, turn, time.perf_counter() - started)
        return turn.replies

    def _observe(self, channel: str, turn: Turn, seconds: float | None = None) -> None:
        if self._observer is None:
            return
        self._observer.turn_done(
            TurnSummary(
                channel=channel,
                situation_id=turn.state.situation_id,
                understood=turn.understood,
                suggested=turn.suggested,
                survey_started=turn.survey_started,
                answers=tuple((a.question, a.value) for a in turn.answers),
                seconds=seconds,
                reminders=(("stopped", turn.reminders_stopped),) if turn.reminders_stopped else (),
            )
        )

    def _count_reminders(self, channel: str, outcome: str, count: int) -> None:
        if self._observer is not None and count:
            self._observer.turn_done(TurnSummary(channel, None, True, False, False, (),
                                                 reminders=((outcome, count),)))  # fmt: skip

    async def sweep_idle(self, channel: str, now: dt.datetime) -> list[Outgoing]:
        """Close idle conversations, putting their surveys in the outbox in the same
        transaction; then claim what the outbox has to send (surveys a crashed sender never
        delivered included). Each is sent once it is ``delivered``; a claim not confirmed
        within ``delivery_lease`` is sent again."""
        async with self._units() as uow:
            due = await uow.sessions.due_for_idle(channel, now, self._config.idle_batch)
            for session in due:
                turn = self._turn(session.state, now)
                self._on_idle(turn)
                await self._persist(uow, turn, None)
                await uow.sessions.save(
                    session.key, session.address, turn.state, self._idle_due(turn.state)
                )
                self._observe(channel, turn)
                if turn.replies:
                    outgoing = Outgoing(session.address, tuple(turn.replies),
                                        turn.state.conversation_id, uuid.uuid4().hex)  # fmt: skip
                    await uow.deliveries.add(outgoing, now)
            await uow.commit()
        return await self.claim_outbox(channel, now)

    async def sweep_reminders(self, channel: str, now: dt.datetime) -> None:
        """Due reminders and check-ins into the outbox, each once (their rows go in the same
        transaction); the outbox sends them."""
        sent = 0
        async with self._units() as uow:
            for reminder in await uow.reminders.due(channel, now, self._config.idle_batch):
                today = now.astimezone(ZoneInfo(self._zone)).date()
                outgoing = progress.message_of(self.knowledge, reminder, today)
                if outgoing is not None:
                    await uow.deliveries.add(outgoing, now)
                    sent += 1
                await uow.reminders.sent(reminder.reminder_id)
            await uow.commit()
        self._count_reminders(channel, "sent", sent)

    @property
    def _zone(self) -> str:
        return self._config.timezone

    async def claim_outbox(self, channel: str, now: dt.datetime) -> list[Outgoing]:
        """What the outbox has to send now in ``channel``: surveys, operators' replies."""
        async with self._units() as uow:
            lease, batch = self._config.delivery_lease, self._config.idle_batch
            claimed = await uow.deliveries.claim(channel, now, lease, batch)
            await uow.commit()
        return claimed

    async def delivered(self, outgoing: Outgoing) -> None:
        """The channel delivered it: out of the outbox, never sent again."""
        async with self._units() as uow:
            await uow.deliveries.done(outgoing.delivery_id)
            await uow.commit()

    async def citizen_unreachable(self, outgoing: Outgoing, at: dt.datetime) -> None:
        """The channel refused delivery (the citizen blocked the bot): record it, never retry."""
        async with self._units() as uow:
            await uow.recorder.citizen_unreachable(outgoing.conversation_id, at)
            dropped = await uow.reminders.unreachable(outgoing.conversation_id)
            await uow.deliveries.done(outgoing.delivery_id)
            await uow.commit()
        self._count_reminders(outgoing.address.channel, "failed", dropped)

    def _on_idle(self, turn: Turn) -> None:
        state = turn.state
        if state.ended_at is None:
            state.end(turn.now, "idle")
        if state.case_survey is not None:  # they left the operator's survey: one is enough
            state.case_survey = None
            state.closed = True
        elif state.in_survey or state.survey_asked or not _worth_a_survey(turn):
            state.survey_pending = None
            state.closed = True
        else:
            survey.begin(turn, turn.kb.texts.survey_idle_intro)

    def _idle_due(
        self, state: ConversationState, answered_at: dt.datetime | None = None
    ) -> dt.datetime | None:
        if state.closed or (state.handoff is not None and state.handoff.stage == "open"):
            return None  # waiting for an operator (maybe till Monday) is not being idle
        since = max(state.last_event_at, state.ended_at or state.last_event_at)
        return max(since, answered_at or since) + self._config.idle_timeout

    def _answered_at(self, event: IncomingEvent) -> dt.datetime:
        clock = self._config.clock
        return max(event.at, clock()) if clock is not None else event.at

    async def _persist(self, uow: UnitOfWork, turn: Turn, message: MessageRecord | None) -> None:
        recorder = uow.recorder
        for retired in turn.retired:
            await recorder.conversation_changed(_snapshot(turn, retired))
        for opened in turn.opened:
            await recorder.conversation_opened(opened)
        if message is not None:
            await recorder.message(message)
        for answer in turn.answers:
            await recorder.survey_answer(answer)
        for done in turn.steps_done:
            await recorder.step_done(done)
        await recorder.conversation_changed(_snapshot(turn, turn.state))


def _worth_a_survey(turn: Turn) -> bool:
    """Someone who only opened the bot and left is not asked how satisfied they were; nor is
    one in the middle of a question: the survey would take over their answer («2»), and they
    continue where they were when they come back."""
    state = turn.state
    if navigation.current_question(turn) is not None or state.pending_switch:
        return False
    return state.situation_id is not None or state.actions >= 2


def _message(turn: Turn, event: IncomingEvent) -> MessageRecord:
    text = event.payload or event.text or ""
    kind: MessageKind = "button" if event.payload else "text"
    if not event.payload and text.startswith("/"):
        kind = "command"
    return MessageRecord(
        turn.state.conversation_id,
        event.at,
        kind,
        text,
        turn.intent,
        turn.understood,
        turn.follow_up,
        turn.state.situation_id,
    )


def _snapshot(turn: Turn, state: ConversationState) -> ConversationSnapshot:
    step = turn.step_of(state)
    return ConversationSnapshot(
        conversation_id=state.conversation_id,
        situation_id=state.last_situation,
        category_id=state.category_id,
        actions=state.actions,
        not_understood=state.not_understood,
        human_requested=state.human_requested,
        ended_at=state.ended_at,
        end_reason=state.end_reason,
        last_step_id=step.id if step else None,
        survey_asked=state.survey_asked,
        situations=tuple(state.situations),
    )
