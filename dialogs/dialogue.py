"""Routing one citizen event to the right move: button, command, survey answer or free text."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs import navigation, payloads, survey
from dialogs.contract import IncomingEvent, Reply
from dialogs.ports import Classification, IntentClassifier
from dialogs.turn import Turn
from knowledge_base.schema import Situation

FAREWELL_INTENTS = frozenset({"goodbye", "thanks"})


@dataclass(frozen=True, slots=True)
class UnderstandingPolicy:
    """Confidence bands: act at ``accept`` and above; between the two, ask «did you mean…?»."""

    accept: float = 0.55
    suggest: float = 0.25
    suggestions: int = 3


class Dialogue:
    def __init__(self, classifier: IntentClassifier, policy: UnderstandingPolicy) -> None:
        self._classifier = classifier
        self._policy = policy

    async def respond(self, turn: Turn, event: IncomingEvent) -> None:
        if event.payload:
            self._on_button(turn, event.payload)
        elif (text := (event.text or "").strip()).startswith("/"):
            self._on_command(turn, event, text)
        else:
            await self._on_text(turn, text)
        if turn.understood:
            turn.state.misunderstood_streak = 0

    # Buttons
    def _on_button(self, turn: Turn, payload: str) -> None:
        head, args = payloads.split(payload)
        if head == "v" and len(args) == 3 and survey.on_button(turn, *args):
            return
        self._leave_survey(turn)
        match head, args:
            case ("m", ()):
                navigation.main_menu(turn)
            case ("c", (category_id,)):
                navigation.category(turn, category_id)
            case ("s", (situation_id,)):
                navigation.open_situation(turn, situation_id)
            case ("a", (question_id, option_id)):
                navigation.answer_option(turn, question_id, option_id)
            case ("q", ("skip",)):
                navigation.skip_question(turn)
            case ("n", _):
                navigation.plan_button(turn, payload)
            case ("sw", (choice,)):
                self._on_switch(turn, choice == "y")
            case ("op", ()):
                self._operator(turn)
            case _:
                navigation.resume(turn)

    def _on_switch(self, turn: Turn, accepted: bool) -> None:
        target, turn.state.pending_switch = turn.state.pending_switch, None
        if accepted and target:
            navigation.open_situation(turn, target)
        else:
            navigation.resume(turn)

    # Commands
    def _on_command(self, turn: Turn, event: IncomingEvent, text: str) -> None:
        command, _, argument = text[1:].partition(" ")
        command = command.split("@")[0].lower()  # «/start@SomeBot» in group chats
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
        elif command == "help":
            turn.say(turn.screens.with_menu(texts.help))
        else:
            self._not_understood(turn, None)

    # Free text
    async def _on_text(self, turn: Turn, text: str) -> None:
        if turn.state.in_survey and survey.on_text(turn, text):
            return
        self._leave_survey(turn)
        if not text:
            self._not_understood(turn, None)
            return
        if navigation.answer_text(turn, text):
            return
        classification = await self._classifier.classify(text)
        top = classification.top
        if top is not None and top.confidence >= self._policy.accept:
            turn.intent = top.intent
            self._act(turn, top.intent, text)
        elif navigation.current_question(turn) is not None:
            navigation.reject_answer(turn)
        else:
            self._not_understood(turn, classification)

    def _act(self, turn: Turn, intent: str, text: str) -> None:
        state, texts = turn.state, turn.kb.texts
        if turn.kb.situation(intent) is not None:
            self._situation_named(turn, intent, text)
        elif intent in FAREWELL_INTENTS:
            turn.say(turn.screens.with_menu(texts.farewell))
            if state.ended_at is None:
                state.end(turn.now, "farewell")
            survey.begin(turn, texts.survey_intro)
        elif intent == "greet":
            navigation.main_menu(turn, f"{texts.greeting}\n\n{texts.menu_prompt}")
        elif intent == "help":
            turn.say(turn.screens.with_menu(texts.help))
        elif intent in ("human_operator", "complaint"):
            self._operator(turn)
        else:
            self._not_understood(turn, None)

    def _situation_named(self, turn: Turn, situation_id: str, text: str) -> None:
        state = turn.state
        if state.situation_id == situation_id:
            navigation.resume(turn)
        elif state.situation_id and state.phase in ("questions", "plan"):
            state.pending_switch = situation_id
            situation = turn.kb.situation(situation_id)
            turn.say(turn.screens.switch_offer(situation.title if situation else situation_id))
        else:
            navigation.open_situation(turn, situation_id, told=text)

    def _operator(self, turn: Turn) -> None:
        turn.state.human_requested = True
        turn.say(turn.screens.with_menu(turn.kb.texts.operator))

    def _not_understood(self, turn: Turn, classification: Classification | None) -> None:
        turn.misunderstood()
        candidates = self._suggestions(turn, classification)
        texts = turn.kb.texts
        if candidates:
            turn.suggested = True
            turn.say(turn.screens.situation_choice(texts.did_you_mean, candidates))
        elif turn.state.misunderstood_streak >= 2:
            turn.say(
                turn.screens.with_menu(texts.fallback_repeated, turn.screens.operator_button())
            )
        else:
            navigation.fallback_menu(turn, texts.fallback)

    def _suggestions(self, turn: Turn, classification: Classification | None) -> list[Situation]:
        if classification is None or turn.state.misunderstood_streak >= 2:
            return []
        found = []
        for score in classification.ranking:
            situation = turn.kb.situation(score.intent)
            if situation is not None and score.confidence >= self._policy.suggest:
                found.append(situation)
        return found[: self._policy.suggestions]

    @staticmethod
    def _leave_survey(turn: Turn) -> None:
        """Anything but a survey answer: the citizen went on talking; never ask again."""
        if turn.state.in_survey:
            turn.state.leave_survey()
