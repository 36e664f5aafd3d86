"""One turn of a conversation: the state being changed and everything it produces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from dialogs.contract import Reply
from dialogs.plan import personal_steps
from dialogs.ports import Classification, KnowledgeBase
from dialogs.reading.reader import Reader
from dialogs.records import ConversationOpened, StepDone, SurveyAnswer
from dialogs.screens import Screens
from dialogs.state import ConversationState, EndReason
from knowledge_base.model import Situation, Step


@dataclass
class Turn:
    kb: KnowledgeBase
    state: ConversationState
    now: dt.datetime
    reader: Reader
    zone: str = "Europe/Moscow"  # the deployment's time zone, for citizens of unknown region
    today: dt.date = dt.date.min  # the citizen's local day: «вчера» and deadlines count from it
    replies: list[Reply] = field(default_factory=list)
    opened: list[ConversationOpened] = field(default_factory=list)
    retired: list[ConversationState] = field(default_factory=list)
    answers: list[SurveyAnswer] = field(default_factory=list)
    intent: str | None = None
    understood: bool = True
    counts_as_action: bool = True
    forget: bool = False  # the citizen asked to be forgotten: erase, record nothing
    suggested: bool = False  # «Вы имели в виду…?» was asked
    survey_started: bool = False
    follow_up: str | None = None  # what a follow-up question was answered with, for editors
    handoff_question: str | None = None  # a case to open with this question (the engine does)
    opened_case: str | None = None
    steps_done: list[StepDone] = field(default_factory=list)
    remind: str | None = None  # the situation whose deadlines to remind of (the engine plans)
    stop_reminders: list[str | None] = field(default_factory=list)  # None: all of them
    reminders_stopped: int = 0  # for the metrics
    # Read before the state was locked (the NLU may be a remote Rasa): (text, day) → result.
    classified: dict[tuple[str, dt.date], Classification] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.today == dt.date.min:
            self.today = self.local_today()

    def local_today(self) -> dt.date:
        return self.now.astimezone(_zone(self.state.timezone or self.zone)).date()

    @property
    def screens(self) -> Screens:
        return Screens(self.kb.texts)

    def say(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def misunderstood(self) -> None:
        self.understood = False
        self.state.not_understood += 1
        self.state.misunderstood_streak += 1

    @property
    def situation(self) -> Situation | None:
        sid = self.state.situation_id
        return self.kb.situation(sid) if sid else None

    def related(self) -> list[Situation]:
        situation = self.situation
        found = [self.kb.situation(r) for r in situation.related] if situation else []
        return [s for s in found if s is not None]

    def steps(self, state: ConversationState | None = None) -> list[Step]:
        state = state or self.state
        situation = self.kb.situation(state.situation_id) if state.situation_id else None
        return personal_steps(situation, state.answers) if situation else []

    def current_step(self) -> Step | None:
        return self.step_of(self.state)

    def step_of(self, state: ConversationState) -> Step | None:
        """The plan step this state shows, if it is on one."""
        if state.phase != "plan":
            return None
        steps = self.steps(state)
        return steps[state.step_index] if 0 <= state.step_index < len(steps) else None

    def record_answer(
        self, question: str, value: str, conversation_id: str = "", case_id: str | None = None
    ) -> None:
        cid = conversation_id or self.state.conversation_id
        self.answers.append(SurveyAnswer(cid, question, value, self.now, case_id))

    def restart_conversation(self, channel: str, user_id: str, reason: EndReason) -> None:
        """Close the current conversation (no survey) and open a fresh one in the same turn."""
        old = self.state
        if old.ended_at is None:
            old.end(self.now, reason)
        old.survey_pending = None
        old.closed = True
        self.retired.append(old)
        self.state = ConversationState.start(self.now, after=old)
        self.state.reset_situation()  # a restart starts afresh; the plans stay the citizen's
        self.opened.append(
            ConversationOpened(self.state.conversation_id, channel, user_id, self.now)
        )


@lru_cache(maxsize=128)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
