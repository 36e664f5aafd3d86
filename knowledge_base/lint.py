"""``lifebot kb lint``: warnings that do not block publishing but deserve an editor's look."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from knowledge_base.model import KnowledgeBaseContent, Situation

STALE_AFTER = dt.timedelta(days=180)
TELEGRAM_LIMIT = 4096
FIGURES_MAX_AGE = 365  # days since a figure was last checked against its source
SIMILAR = 0.85  # cosine of character n-gram counts: the same phrase but for a word or a typo


def lint(
    content: KnowledgeBaseContent,
    rendered_steps: Mapping[tuple[str, str], str],
    phrases: Mapping[str, Sequence[str]],
    today: dt.date,
    figures_max_age: int = FIGURES_MAX_AGE,
) -> list[str]:
    """``rendered_steps``: (situation, step) → the text a citizen sees for that step."""
    found: list[str] = []
    for situation in content.situations.values():
        found += _situation(situation, today) + _home_pages(situation)
    found += _figures(content, today, figures_max_age)
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
    if not situation.review:
        found.append(
            f"{label}: review: не записано, что и по каким источникам проверено — "
            "без этого следующий редактор не сможет перепроверить"
        )
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


def _home_pages(situation: Situation) -> list[str]:
    """A bare home page lets nobody re-check a deadline: link the article or the service."""
    label = f"situations/{situation.id}.yml"
    found = [
        f"{label}: sources.{index}: «{source.url}» — главная страница; дайте ссылку на статью "
        "закона или страницу услуги"
        for index, source in enumerate(situation.sources)
        if _bare(str(source.url))
    ]
    for step in situation.steps:
        found += [
            f"{label}: steps.{step.id}.sources: «{url}» — главная страница; дайте ссылку на "
            "статью закона или страницу услуги, где это написано"
            for url in step.sources
            if _bare(str(url))
        ]
    return found


def _bare(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query and not parts.fragment


def _figures(content: KnowledgeBaseContent, today: dt.date, max_age: int) -> list[str]:
    found = []
    for name, figure in sorted(content.figures.items()):
        if figure.year < today.year:
            found.append(
                f"figures: {name}: величина на {figure.year} год, а сейчас {today.year} — "
                "проверьте новый размер и обновите value, year и reviewed"
            )
        elif (today - figure.reviewed).days > max_age:
            found.append(
                f"figures: {name}: сверяли {figure.reviewed:%d.%m.%Y}, больше {max_age} дней "
                "назад — сверьте с источником и обновите reviewed"
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
