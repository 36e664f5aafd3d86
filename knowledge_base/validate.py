"""``lifebot kb validate``: every error of every file at once, with file:line:column.

On top of what loading checks (the schema, ids, conditions, categories, related situations),
the editorial rules: links are https, a deadline counted from the event has an event date to
count from, every situation has enough example phrases, and no phrase teaches two situations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from knowledge_base.loader import (
    _cross_check,
    _load,
    _parse,
    _source,
    load_figures,
    load_situations,
)
from knowledge_base.model import Categories, Lexicon, Situation, Texts, Timezones
from knowledge_base.placeholders import check_placeholders
from knowledge_base.source import SourceFile, content_files, read_source

MIN_EXAMPLES = 60


def validate(root: Path, nlu_dir: Path, min_examples: int = MIN_EXAMPLES) -> list[str]:
    found: list[str] = []
    texts = _load(root, root / "texts.yml", Texts, found)
    if texts is not None:
        found += check_placeholders(root, texts)
    figures = load_figures(root, found)
    _load(root, root / "lexicon.yml", Lexicon, found)  # its problems, once
    _load(root, root / "timezones.yml", Timezones, found)
    categories_file = _source(root, root / "categories.yml", found)
    categories = _parse(categories_file, Categories, found) if categories_file else None
    broken: set[str] = set()
    situations = load_situations(root, found, broken, figures)
    if categories is not None and categories_file is not None:
        found += _cross_check(categories_file, categories, situations, broken)
    lexicon = _load(root, root / "lexicon.yml", Lexicon, [])
    shared = _shared_words(lexicon) if lexicon else set()
    for situation, source in situations.values():
        found += _links(situation, source) + _deadlines(situation, source)
        found += _synonyms(situation, source, shared)
    nlu = _nlu_examples(root, nlu_dir, found)
    found += _example_counts(situations, nlu, min_examples)
    found += _shared_examples(situations, nlu)
    return found


def _links(situation: Situation, source: SourceFile) -> list[str]:
    urls: list[tuple[tuple[int | str, ...], Any]] = [
        (("sources", i, "url"), s.url) for i, s in enumerate(situation.sources)
    ]
    for i, step in enumerate(situation.steps):
        urls += [(("steps", i, "where", j, "url"), p.url) for j, p in enumerate(step.where)]
        urls += [(("steps", i, "sources", j), url) for j, url in enumerate(step.sources)]
    return [
        source.at(loc, f"ссылка должна начинаться с https:// (сейчас {url})")
        for loc, url in urls
        if url is not None and url.scheme != "https"
    ]


def _deadlines(situation: Situation, source: SourceFile) -> list[str]:
    if situation.event_question is not None:
        return []
    return [
        source.at(("steps", i, "deadline"), "срок в днях, месяцах или годах считается от даты "
                  "события, но в ситуации нет вопроса с kind: date — оставьте только text")
        for i, step in enumerate(situation.steps)
        if step.deadline is not None and step.deadline.is_relative
    ]  # fmt: skip


def _shared_words(lexicon: Lexicon) -> set[str]:
    return {_normal(p) for p in (*lexicon.yes, *lexicon.no, *lexicon.unknown, *lexicon.skip)}


def _synonyms(situation: Situation, source: SourceFile, shared: set[str]) -> list[str]:
    """A synonym that is a shared word («да», «не знаю») would also fire in a first message
    about something else: those words belong to lexicon.yml and the options' ``means``."""
    return [
        source.at(
            ("questions", qi, "options", oi, "synonyms", si),
            f"«{phrase}» — общее слово из lexicon.yml; для него укажите means: yes, no или "
            "unknown, а в synonyms пишите фразы, которые однозначны и без вопроса",
        )
        for qi, question in enumerate(situation.questions)
        for oi, option in enumerate(question.options)
        for si, phrase in enumerate(option.synonyms)
        if _normal(phrase) in shared
    ]


Phrases = dict[str, list[tuple[str, str]]]  # intent → (phrase, where it stands)


def _nlu_examples(root: Path, nlu_dir: Path, found: list[str]) -> Phrases:
    phrases: Phrases = defaultdict(list)
    for path in content_files(nlu_dir, "*.yml"):
        source, problem = read_source(nlu_dir.parent, path)
        if source is None:
            found.append(problem or f"{path.name}: файл не читается")
            continue
        for index, item in enumerate(source.data.get("nlu") or []):
            if not isinstance(item, dict) or "intent" not in item:
                continue
            block = item.get("examples")
            if not isinstance(block, str):
                found.append(source.at(("nlu", index, "examples"), "ожидается блок «|» с «- »"))
                continue
            where = source.at(("nlu", index, "examples"), "").removesuffix(": ")
            for line in block.splitlines():
                if line.strip().startswith("- "):
                    phrases[str(item["intent"])].append((line.strip()[2:].strip(), where))
    return phrases


def _example_counts(
    situations: dict[str, tuple[Situation, SourceFile]], nlu: Phrases, minimum: int
) -> list[str]:
    found = []
    for situation, source in situations.values():
        own, trained = len(situation.examples), len(nlu.get(situation.id, []))
        if own + trained < minimum:
            found.append(source.at(("examples",), (
                f"нужно не меньше {minimum} примеров фраз, сейчас {own + trained}: {own} здесь "
                f"и {trained} в файлах nlu/data"
            )))  # fmt: skip
    return found


def _shared_examples(
    situations: dict[str, tuple[Situation, SourceFile]], nlu: Phrases
) -> list[str]:
    owners: dict[str, dict[str, str]] = defaultdict(dict)  # phrase → intent → where
    for situation, source in situations.values():
        for index, phrase in enumerate(situation.examples):
            where = source.at(("examples", index), "").removesuffix(": ")
            owners[_normal(phrase)].setdefault(situation.id, where)
    for intent, items in nlu.items():
        for phrase, where in items:
            owners[_normal(phrase)].setdefault(intent, where)
    return [
        f"{where}: пример «{phrase}» есть и в «{', '.join(sorted(set(by) - {intent}))}» — "
        "одна фраза может учить только одну ситуацию"
        for phrase, by in owners.items()
        if len(by) > 1
        for intent, where in _first(by)
    ]


def _first(by: dict[str, str]) -> Iterable[tuple[str, str]]:
    intent = sorted(by)[0]
    yield intent, by[intent]


def _normal(phrase: str) -> str:
    return " ".join(phrase.lower().replace("ё", "е").strip(" .!?").split())
