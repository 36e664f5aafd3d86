"""``lifebot kb lint``: warnings that do not block publishing but deserve an editor's look."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from knowledge_base.content import KnowledgeBaseContent
from knowledge_base.schema import Situation

STALE_AFTER = dt.timedelta(days=180)
TELEGRAM_LIMIT = 4096
SIMILAR = 0.85  # cosine of character n-gram counts: the same phrase but for a word or a typo


def lint(
    content: KnowledgeBaseContent,
    rendered_steps: Mapping[tuple[str, str], str],
    phrases: Mapping[str, Sequence[str]],
    today: dt.date,
) -> list[str]:
    """``rendered_steps``: (situation, step) → the text a citizen sees for that step."""
    found: list[str] = []
    for situation in content.situations.values():
        found += _situation(situation, today)
    found += [
        f"situations/{sid}.yml: steps.{step}: сообщение шага длиннее {TELEGRAM_LIMIT} символов "
        f"({len(text)}): Telegram покажет его частями — сократите"
        for (sid, step), text in rendered_steps.items()
        if len(text) > TELEGRAM_LIMIT
    ]
    return found + similar_phrases(phrases)


def _situation(situation: Situation, today: dt.date) -> list[str]:
    label = f"situations/{situation.id}.yml"
    found = []
    if today - situation.last_reviewed > STALE_AFTER:
        found.append(
            f"{label}: last_reviewed: содержание проверяли {situation.last_reviewed:%d.%m.%Y}, "
            "больше 180 дней назад — сверьте с источниками и обновите дату"
        )
    for step in situation.steps:
        if not step.sources:
            found.append(f"{label}: steps.{step.id}.sources: у шага нет официального источника")
        if not any(place.url for place in step.where):
            found.append(
                f"{label}: steps.{step.id}.where: нет ссылки, куда обратиться — добавьте url"
            )
        if step.deadline is not None and not step.if_missed:
            found.append(
                f"{label}: steps.{step.id}.if_missed: у шага есть срок, но не сказано, что "
                "делать, если он пропущен — гражданин увидит общий ответ"
            )
    for question in situation.questions:
        for option in question.options:
            if question.kind == "choice" and not option.synonyms and option.meaning is None:
                found.append(
                    f"{label}: questions.{question.id}.options.{option.id}.synonyms: нет "
                    "синонимов — ответ словами поймётся только по тексту кнопки"
                )
    return found


def similar_phrases(phrases: Mapping[str, Sequence[str]], limit: float = SIMILAR) -> list[str]:
    """Pairs of example phrases of different situations that read almost the same."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    owners = [(intent, text) for intent, texts in phrases.items() for text in texts]
    if len(owners) < 2:
        return []
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), use_idf=False)
    vectors = vectorizer.fit_transform([text.lower() for _, text in owners])
    close = (vectors @ vectors.T).tocoo()
    found = []
    for row, column, score in zip(close.row, close.col, close.data, strict=True):
        if row < column and score >= limit and owners[row][0] != owners[column][0]:
            (first, a), (second, b) = owners[row], owners[column]
            found.append(
                f"примеры почти одинаковые ({score:.2f}): «{a}» ({first}) и «{b}» ({second}) — "
                "распознавание будет путать эти ситуации"
            )
    return found
