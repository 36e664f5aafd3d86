"""Follow-up questions inside a plan: «а сколько платят пособие?», «а если я не успею?».

Answered from the plan itself: first the situation's own questions and answers (``faq``),
then what the question asks about a step (documents, where, cost, duration, deadline, what
if the deadline is missed) — of the step it names, the step on screen, or the whole plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dialogs.reading.reader import CompiledFollowUp, Reader
from dialogs.reading.words import Message, same
from knowledge_base.model import FollowUp, Situation, Step

FAQ_MATCH = 0.6  # share of a phrasing's content words found in the message
PLAN_WIDE = ("documents", "deadline", "missed")


@dataclass(frozen=True, slots=True)
class FollowUpMatch:
    faq: FollowUp | None = None
    aspects: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()  # one named or shown step, or the whole plan

    @property
    def key(self) -> str:
        """What analysts see: «faq:amount» or «step:register_birth:cost»."""
        if self.faq is not None:
            return f"faq:{self.faq.id}"
        where = self.steps[0].id if len(self.steps) == 1 else "plan"
        return f"step:{where}:{'+'.join(self.aspects)}"


def find_follow_up(
    reader: Reader,
    situation: Situation,
    steps: Sequence[Step],
    shown: Step | None,
    message: Message,
) -> FollowUpMatch | None:
    has = _matcher(reader.content(message))
    compiled = reader.situation(situation)
    faq = _best_faq(compiled.follow_ups, has)
    if faq is not None:
        return FollowUpMatch(faq=next(f for f in situation.faq if f.id == faq))
    aspects = tuple(
        name
        for name, found in reader.aspects.items()
        if any(p.find(message) is not None for p in found)
    )
    if not aspects or not steps:
        return None
    if "missed" in aspects:
        aspects = ("missed",)  # «не успею» is about the deadline, not its date
    target = _named_steps(compiled.step_words, steps, has) or ([shown] if shown else [])
    if not target:  # about the whole plan: only what a list of all steps answers well
        aspects = tuple(a for a in aspects if a in PLAN_WIDE)
        target = list(steps)
    return FollowUpMatch(aspects=aspects, steps=tuple(target)) if aspects else None


def _matcher(words: frozenset[str]) -> Callable[[str], bool]:
    """Whether the message has a word that is the same as a stem: each stem is looked up
    once a turn, however many phrasings share it."""
    known: dict[str, bool] = {}

    def has(stem: str) -> bool:
        found = known.get(stem)
        if found is None:
            found = known[stem] = any(same(word, stem) for word in words)
        return found

    return has


def _best_faq(follow_ups: Sequence[CompiledFollowUp], has: Callable[[str], bool]) -> str | None:
    best_id, best_score = None, 0.0
    for item in follow_ups:
        for phrasing in item.questions:
            matched = sum(map(has, phrasing))
            if not phrasing or matched < min(2, len(phrasing)):
                continue
            score = matched / len(phrasing)
            if score > best_score:
                best_id, best_score = item.id, score
    return best_id if best_score >= FAQ_MATCH else None


def _named_steps(
    titles: dict[str, frozenset[str]], steps: Sequence[Step], has: Callable[[str], bool]
) -> list[Step]:
    """The steps whose titles the question names best («пособие» names all three
    allowance steps)."""
    scored = [(sum(map(has, titles.get(s.id, ()))), s) for s in steps]
    top = max((score for score, _ in scored), default=0)
    return [step for score, step in scored if score == top] if top >= 1 else []
