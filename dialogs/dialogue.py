"""Routing one citizen event to the right move: button, command, survey answer or free text.

Free text is read in context first: as the answer to the open question, as plan words
(«дальше», «вернуться к плану»), as a follow-up about the current plan, as facts for the
current situation — and only then, with high confidence and a confirmation, as a switch to
another situation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dialogs import context, handoff, navigation, payloads, progress, survey
from dialogs.cases import CaseKind
from dialogs.contract import IncomingEvent, Reply
from dialogs.ports import Classification, IntentClassifier
from dialogs.reading.facts import facts
from dialogs.reading.words import Message
from dialogs.turn import Turn
from knowledge_base.model import Question, Situation

FAREWELL_INTENTS = frozenset({"goodbye", "thanks"})


@dataclass(frozen=True, slots=True)
class UnderstandingPolicy:
    """Confidence bands: act at ``accept`` and above; between ``suggest`` and ``accept``,
    ask «did you mean…?»; leave a situation the citizen is in only from ``switch`` up."""

    accept: float = 0.55
    suggest: float = 0.25
    switch: float = 0.7
    suggestions: int = 3


HANDOFF_INTENTS: dict[str, CaseKind] = {"human_operator": "question", "complaint": "complaint"}


class Dialogue:
    def __init__(
        self, classifier: IntentClassifier, policy: UnderstandingPolicy, handoff: bool = False
    ) -> None:
        self._classifier = classifier
        self._policy = policy
        self._handoff = handoff  # operators answer at the desk; else the contact centre's phone

    async def respond(self, turn: Turn, event: IncomingEvent) -> None:
        text = (event.text or "").strip()
        if handoff.asking(turn.state) and not event.payload and not text.startswith("/"):
            handoff.take_question(turn, text)
            return
        if event.payload != payloads.HANDOFF_BACK and handoff.asking(turn.state):
            turn.state.handoff = None  # went elsewhere instead of writing the question
        if event.payload:
            self._on_button(turn, event.payload)
        elif text.startswith("/"):
            self._on_command(turn, event, text)
        else:
            await self._on_text(turn, text)
        if turn.understood:
            turn.state.misunderstood_streak = 0

    # Buttons
    def _on_button(self, turn: Turn, payload: str) -> None:
        head, args = payloads.split(payload)
        if head == "v" and len(args) == 3 and handoff.survey_button(turn, *args):
            return
        if head == "v" and len(args) == 3 and survey.on_button(turn, *args):
            return
        self._leave_survey(turn)
        match head, args:
            case ("m", ()):
                navigation.main_menu(turn)
            case ("c", (category_id,)):
                navigation.category(turn, category_id)
            case ("s", (situation_id,)) | ("p", (situation_id,)):
                navigation.open_situation(turn, situation_id)
            case ("pl", ()):
                navigation.my_plan(turn)
            case ("a", (question_id, option_id)):
                navigation.answer_option(turn, question_id, option_id)
            case ("e", (question_id,)):
                navigation.edit_question(turn, question_id)
            case ("q", ("skip",)):
                navigation.skip_question(turn)
            case ("n", _):
                navigation.plan_button(turn, payload)
            case ("sw", (choice,)):
                context.switch(turn, choice == "y")
            case ("op", ()):
                self._operator(turn, "question")
            case ("hb", ()):
                handoff.leave(turn)
            case ("sd", (step_id,)):
                progress.mark_done(turn, step_id)
            case ("rm", ("on",)):
                progress.remind_on(turn)
            case ("rm", ("off",)):
                progress.remind_off(turn, turn.state.situation_id)
            case ("rx", (situation_id,)):
                progress.remind_off(turn, situation_id)
            case ("ro", (situation_id, step_id)):
                progress.open_from_reminder(turn, situation_id, step_id)
            case ("rd", (situation_id, step_id)):
                progress.done_from_reminder(turn, situation_id, step_id)
            case ("ci", (situation_id, answer)):
                if not progress.checkin_answer(turn, situation_id, answer):
                    self._operator(turn, "question")
            case _:
                navigation.resume(turn)

    # Commands
    def _on_command(self, turn: Turn, event: IncomingEvent, text: str) -> None:
        command, _, argument = text[1:].partition(" ")
        command = command.lower()  # «/start@SomeBot» is the channel's to resolve, not ours
        texts = turn.kb.texts
        if command in ("start", "restart"):
            if turn.state.actions > 0:
                turn.restart_conversation(event.channel, event.user_id, "restart")
            greeting = texts.greeting if command == "start" else texts.restart
            deep_link = argument.strip()
            if turn.kb.situation(deep_link) is not None:  # «/start child_birth»
                turn.say(Reply(greeting))
                navigation.open_situation(turn, deep_link)
            else:
                navigation.main_menu(turn, f"{greeting}\n\n{texts.menu_prompt}")
            return
        if command == "forget":
            turn.forget = True
            turn.say(turn.screens.with_menu(texts.forgotten))
            return
        self._leave_survey(turn)
        if command == "menu":
            navigation.main_menu(turn)
        elif command == "stop":
            progress.remind_off(turn, None)
        elif command == "plan":
            navigation.my_plan(turn)
        elif command == "help":
            turn.say(turn.screens.with_menu(texts.help))
        else:
            self._not_understood(turn, None)

    # Free text
    async def _on_text(self, turn: Turn, text: str) -> None:
        if turn.state.case_survey is not None and handoff.survey_text(turn, text):
            return
        if turn.state.in_survey and survey.on_text(turn, text):
            return
        self._leave_survey(turn)
        if not text:
            self._not_understood(turn, None)
            return
        message = Message.of(text)
        classification = await self._read(turn, text)
        if self._asks_for_a_person(turn, classification, text):
            return
        offered, turn.state.offered = turn.state.offered, []
        if turn.state.pending_switch and context.switch_answer(turn, message):
            return
        if offered and context.offer_answer(turn, message, offered):
            return
        if context.plan_words(turn, message):
            return
        question = navigation.current_question(turn)
        if question is not None and context.answer_question(
            turn, question, message, classification
        ):
            return
        if self._in_situation(turn, message, question, classification):
            return
        top = classification.top
        asks_here = turn.situation is not None and turn.reader.asks(message)
        if top is not None and self._telling(turn, classification, message):
            turn.intent = top.intent
            if asks_here and turn.situation is not None and top.intent == turn.situation.id:
                context.unanswered(turn)  # about this very situation, but not in its plan
            else:
                self._act(turn, top.intent, message, classification)
        elif question is not None:
            navigation.reject_answer(turn)
        elif asks_here:
            context.unanswered(turn)
        else:
            self._not_understood(turn, classification)

    async def read_ahead(
        self, event: IncomingEvent, today: dt.date
    ) -> dict[tuple[str, dt.date], Classification]:
        """Classify a typed text before the turn locks the citizen's state, so that no row
        lock and no pooled connection waits on the NLU (a Rasa server may take its timeout)."""
        text = (event.text or "").strip()
        if event.payload or not text or text.startswith("/"):
            return {}
        return {(text, today): await self._classifier.classify(text, today)}

    async def _classify(self, turn: Turn, text: str, today: dt.date) -> Classification:
        known = turn.classified.get((text, today))
        return known if known is not None else await self._classifier.classify(text, today)

    async def _read(self, turn: Turn, text: str) -> Classification:
        """Classify once; a region named for the first time sets the citizen's time zone,
        and their «вчера» is read again on their own day."""
        classification = await self._classify(turn, text, turn.today)
        region = next((e.value for e in classification.entities if e.entity == "region"), None)
        zone = turn.kb.timezone_of(region) if region else None
        if zone and zone != turn.state.timezone:
            turn.state.timezone = zone
            if (today := turn.local_today()) != turn.today:
                turn.today = today
                classification = await self._classify(turn, text, today)
        return classification

    def _telling(self, turn: Turn, classification: Classification, message: Message) -> bool:
        """Confident enough to act: above ``accept``, or a likely situation whose own facts
        the text gives («жена вчера родила второго, я работаю официально»)."""
        top = classification.top
        if top is None or top.confidence >= self._policy.accept:
            return top is not None
        situation = turn.kb.situation(top.intent)
        if situation is None or top.confidence < self._policy.suggest:
            return False
        if turn.state.phase != "menu":
            return False
        entities = classification.entities
        return bool(facts(turn.reader, situation, message, entities, turn.today))

    def _in_situation(
        self,
        turn: Turn,
        message: Message,
        question: Question | None,
        classification: Classification,
    ) -> bool:
        """A follow-up about the plan, a strong sign of another topic, or new facts."""
        situation, state = turn.situation, turn.state
        if situation is None or state.phase == "menu":
            return False
        if (question is None or turn.reader.asks(message)) and context.follow_up(
            turn, situation, message, question
        ):
            return True
        top = classification.top
        if (
            top is not None
            and top.intent != situation.id
            and top.confidence >= self._policy.switch
            and turn.kb.situation(top.intent) is not None
        ):
            turn.intent = top.intent
            self._situation_named(turn, top.intent, message, classification)
            return True
        if turn.reader.asks(message):
            return False
        found = facts(turn.reader, situation, message, classification.entities, turn.today)
        if not navigation.learn(turn, situation, found):
            return False
        if state.phase == "plan" and not state.editing:
            state.step_index = -1
            navigation.show_overview(turn, updated=True)
        else:
            navigation.ask_question(turn)
        return True

    def _act(
        self, turn: Turn, intent: str, message: Message, classification: Classification
    ) -> None:
        state, texts = turn.state, turn.kb.texts
        if turn.kb.situation(intent) is not None:
            self._situation_named(turn, intent, message, classification)
        elif intent in FAREWELL_INTENTS:
            self._farewell(turn)
        elif intent == "greet":
            navigation.main_menu(turn, f"{texts.greeting}\n\n{texts.menu_prompt}")
        elif intent == "help":
            turn.say(navigation.with_way_back(turn, turn.screens.with_menu(texts.help)))
        elif intent in HANDOFF_INTENTS:
            self._operator(turn, HANDOFF_INTENTS[intent], message.text)
        elif state.phase != "menu" and navigation.current_question(turn) is not None:
            navigation.reject_answer(turn)
        else:
            self._not_understood(turn, None)

    def _farewell(self, turn: Turn) -> None:
        state, texts = turn.state, turn.kb.texts
        if state.ended_at is None:
            state.end(turn.now, "farewell")
        if state.survey_asked:
            turn.say(turn.screens.with_menu(texts.farewell))
            return
        turn.say(Reply(texts.farewell))  # the survey's buttons alone: numbered choices stay 1–5
        survey.begin(turn, texts.survey_intro)

    def _situation_named(
        self, turn: Turn, situation_id: str, message: Message, classification: Classification
    ) -> None:
        state = turn.state
        named = turn.kb.situation(situation_id)
        if named is None:
            return
        if state.situation_id == situation_id:
            navigation.resume(turn)
        elif state.situation_id and state.phase != "menu" and state.ended_at is None:
            state.pending_switch = situation_id
            turn.say(turn.screens.switch_offer(named.title))
        else:
            found = facts(turn.reader, named, message, classification.entities, turn.today)
            navigation.open_situation(turn, situation_id, found)

    def _operator(self, turn: Turn, kind: CaseKind, words: str | None = None) -> None:
        if self._handoff:
            handoff.request(turn, kind, words)
            return
        turn.state.human_requested = True
        turn.say(navigation.with_way_back(turn, turn.screens.with_menu(turn.kb.texts.operator)))

    def _asks_for_a_person(self, turn: Turn, classification: Classification, text: str) -> bool:
        """«позовите человека», «хочу пожаловаться» mean it in the middle of anything, also
        beside a topic the classifier would rather see («позовите оператора, вычет»)."""
        message, reader = Message.of(text), turn.reader
        if reader.says(message, "complaint"):
            intent = "complaint"
        elif reader.says(message, "person"):
            intent = "human_operator"
        else:
            top = classification.top
            if top is None or top.intent not in HANDOFF_INTENTS:
                return False
            if top.confidence < self._policy.accept:
                return False
            intent = top.intent
        turn.intent = intent
        self._operator(turn, HANDOFF_INTENTS[intent], text)
        return True

    def _not_understood(self, turn: Turn, classification: Classification | None) -> None:
        turn.misunderstood()
        candidates = self._suggestions(turn, classification)
        texts, screens = turn.kb.texts, turn.screens
        if candidates:
            turn.suggested = True
            turn.state.offered = [s.id for s in candidates]
            reply = screens.situation_choice(texts.did_you_mean, candidates)
            turn.say(navigation.with_way_back(turn, reply))
        elif turn.state.misunderstood_streak >= 2:
            reply = screens.with_menu(texts.fallback_repeated, screens.operator_button())
            turn.say(navigation.with_way_back(turn, reply))
        else:
            navigation.fallback_menu(turn, texts.fallback)

    def _suggestions(self, turn: Turn, classification: Classification | None) -> list[Situation]:
        if classification is None or turn.state.misunderstood_streak >= 2:
            return []
        found = []
        for score in classification.ranking:
            situation = turn.kb.situation(score.intent)
            if (
                situation is not None
                and score.confidence >= self._policy.suggest
                and situation.id != turn.state.situation_id
            ):
                found.append(situation)
        return found[: self._policy.suggestions]

    @staticmethod
    def _leave_survey(turn: Turn) -> None:
        """Anything but a survey answer: the citizen went on talking; never ask again."""
        if turn.state.in_survey:
            turn.state.leave_survey()
