"""The knowledge base's words compiled once: the shared lexicon and each situation's phrases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dialogs.reading.words import Message, Phrase, phrases, stem
from knowledge_base.model import Lexicon, Option, Question, Situation

Word = Literal["yes", "no", "unknown", "skip", "partly", "person", "complaint"]
LEXICON_REACH = 3  # «ну да», «да наверное»: a yes/no word counts near the start only


@dataclass(frozen=True, slots=True)
class OptionPhrases:
    option: Option
    explicit: tuple[Phrase, ...]  # synonyms and telling labels: valid out of context too
    label: Phrase


@dataclass(frozen=True, slots=True)
class CompiledFollowUp:
    id: str
    questions: tuple[frozenset[str], ...]  # content stems of each phrasing


@dataclass(frozen=True, slots=True)
class CompiledSituation:
    options: dict[str, tuple[OptionPhrases, ...]]  # question id → its options
    follow_ups: tuple[CompiledFollowUp, ...]
    step_words: dict[str, frozenset[str]]  # step id → content stems of its title


class Reader:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._words: dict[Word, tuple[Phrase, ...]] = {
            "yes": phrases(lexicon.yes),
            "no": phrases(lexicon.no),
            "unknown": phrases(lexicon.unknown),
            "skip": phrases(lexicon.skip),
            "partly": phrases(lexicon.partly),
            "person": phrases(lexicon.person),
            "complaint": phrases(lexicon.complaint),
        }
        self.person_words = frozenset(stem(w) for t in lexicon.person_words for w in t.split())
        nav = lexicon.navigation
        self.navigation = {name: phrases(getattr(nav, name)) for name in type(nav).model_fields}
        aspects = lexicon.aspects
        self.aspects = {
            name: phrases(getattr(aspects, name)) for name in type(aspects).model_fields
        }
        self._question_words = phrases(lexicon.question_words)
        self.numbers = {word.replace("ё", "е"): value for word, value in lexicon.numbers.items()}
        self.fillers = frozenset(w for text in lexicon.survey_filler for w in text.split())
        self.stopwords = frozenset(stem(w) for text in lexicon.stopwords for w in text.split())
        self._situations: dict[str, CompiledSituation] = {}

    # The shared lexicon
    def says(self, message: Message, word: Word) -> bool:
        reach = LEXICON_REACH if word in ("yes", "no") else None
        return any(p.find(message, from_start=reach) is not None for p in self._words[word])

    def says_exactly(self, message: Message, word: Word) -> bool:
        return any(p.equals(message) for p in self._words[word])

    def plan_word(self, message: Message) -> str | None:
        """A plan button's words typed as text («дальше», «вернуться к плану»)."""
        content = Message.of(" ".join(w for w in message.words if w not in self.fillers))
        for name, found in self.navigation.items():
            if any(p.equals(content) or p.equals(message) for p in found):
                return name
        return None

    def asks(self, message: Message) -> bool:
        """Looks like a question: a question mark, or a question word at the start."""
        if "?" in message.text:
            return True
        return any(p.find(message, from_start=1) is not None for p in self._question_words)

    def content(self, message: Message) -> frozenset[str]:
        return frozenset(s for s in message.stems if s not in self.stopwords)

    # Situations
    def situation(self, situation: Situation) -> CompiledSituation:
        found = self._situations.get(situation.id)
        if found is None:
            found = self._situations[situation.id] = self._compile(situation)
        return found

    def _compile(self, situation: Situation) -> CompiledSituation:
        options = {q.id: tuple(_option_phrases(o) for o in q.options) for q in situation.questions}
        follow_ups = tuple(
            CompiledFollowUp(
                item.id, tuple(self.content(Message.of(text)) for text in item.questions)
            )
            for item in situation.faq
        )
        steps = {s.id: self.content(Message.of(s.title)) for s in situation.steps}
        return CompiledSituation(options, follow_ups, steps)

    def options_of(self, situation: Situation, question: Question) -> tuple[OptionPhrases, ...]:
        return self.situation(situation).options.get(question.id, ())


def _option_phrases(option: Option) -> OptionPhrases:
    label = Phrase.of(option.label)
    explicit = list(phrases(option.synonyms))
    first = label.stems[0] if label.stems else ""
    if label.size >= 2 and first not in ("да", "нет") and option.meaning is None:
        explicit.append(label)  # «Сокращение или ликвидация» tells by itself
    return OptionPhrases(option, tuple(explicit), label)
