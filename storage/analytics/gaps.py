"""What editors should write next: per situation, the citizens' messages that were not
understood and the questions inside a plan that got no answer — masked (as stored), grouped
by similarity, with counts."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import models
from storage.analytics.rows import Filters, where
from storage.models import table_of

Kind = Literal["not_understood", "unanswered"]
SIMILAR = 0.35  # cosine of character n-grams: the same question in other words or typos
VARIANTS = 3
LIMIT = 50_000  # the newest messages read: enough for a picture, bounded in memory


@dataclass
class Gap:
    text: str  # the most frequent wording
    kind: Kind
    count: int = 0
    variants: list[str] = field(default_factory=list)


async def find_gaps(
    engine: AsyncEngine, filters: Filters, top: int = 10
) -> dict[str | None, list[Gap]]:
    """Situation id (None: outside any) → its gaps, the most frequent first."""
    rows = await _messages(engine, filters)
    by_situation: dict[tuple[str | None, Kind], list[str]] = defaultdict(list)
    for text, situation, follow_up in rows:
        kind: Kind = "unanswered" if follow_up == "unanswered" else "not_understood"
        by_situation[(situation, kind)].append(text)
    found: dict[str | None, list[Gap]] = defaultdict(list)
    for (situation, kind), texts in by_situation.items():
        found[situation] += group(texts, kind)
    return {
        sid: sorted(gaps, key=lambda g: (-g.count, g.text))[:top] for sid, gaps in found.items()
    }


async def _messages(engine: AsyncEngine, filters: Filters) -> list[tuple[str, str | None, str]]:
    messages, conversations = table_of(models.Message), table_of(models.Conversation)
    gap = or_(
        messages.c.follow_up == "unanswered",
        and_(messages.c.understood.is_(False), messages.c.kind == "text"),
    )
    query = (
        select(messages.c.text, messages.c.situation_id, messages.c.follow_up)
        .select_from(
            messages.join(conversations, conversations.c.id == messages.c.conversation_id)
        )
        .where(and_(gap, *where(filters)))
        .order_by(messages.c.at.desc())
        .limit(LIMIT)
    )
    async with engine.connect() as connection:
        return [(str(t), s, str(f or "")) for t, s, f in (await connection.execute(query)).all()]


def group(texts: Sequence[str], kind: Kind) -> list[Gap]:
    """Greedy grouping by character n-gram similarity: each wording joins the group whose first
    wording is closest (if close enough), else starts one. Repeats are counted, compared once."""
    if not texts:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    counts = Counter(texts)
    wordings = sorted(counts, key=lambda t: (-counts[t], t))  # the most frequent heads a group
    lowered = [" ".join(t.lower().replace("ё", "е").split()) for t in wordings]
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4)).fit_transform(lowered)
    heads: list[int] = []
    members: dict[int, list[str]] = {}
    for index, wording in enumerate(wordings):
        if heads:
            similarity = (vectors[index] @ vectors[heads].T).toarray().ravel()
            best = int(similarity.argmax())
            if similarity[best] >= SIMILAR:
                members[heads[best]].append(wording)
                continue
        heads.append(index)
        members[index] = [wording]
    return [
        Gap(group[0], kind, sum(counts[w] for w in group), group[1 : 1 + VARIANTS])
        for group in (members[h] for h in heads)
    ]
