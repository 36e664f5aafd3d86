"""Load the knowledge base from a folder: all files or nothing.

Every defect in every file is collected first, so an editor sees the whole list at once, each
as «file:line:column: field: what is wrong»; ``KnowledgeBaseError`` is raised if there is any,
and nothing is returned half-loaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from knowledge_base import CONTENT_DIR
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.figures import figure_files, merge, substitute
from knowledge_base.model import (
    Categories,
    Figure,
    Figures,
    KnowledgeBaseContent,
    Lexicon,
    Situation,
    Texts,
    Timezones,
)
from knowledge_base.placeholders import check_placeholders
from knowledge_base.source import SourceFile, content_files, is_content_file, read_source
from knowledge_base.validation_messages import errors

M = TypeVar("M", bound=BaseModel)


def load_knowledge_base(root: Path = CONTENT_DIR) -> KnowledgeBaseContent:
    found: list[str] = []
    figures = load_figures(root, found)
    texts = _load(root, root / "texts.yml", Texts, found)
    lexicon = _load(root, root / "lexicon.yml", Lexicon, found)
    zones = _load(root, root / "timezones.yml", Timezones, found)
    categories_file = _source(root, root / "categories.yml", found)
    categories = _parse(categories_file, Categories, found) if categories_file else None
    broken: set[str] = set()
    situations = load_situations(root, found, broken, figures)
    if categories is not None and categories_file is not None:
        found += _cross_check(categories_file, categories, situations, broken)
    if texts is not None:
        found += check_placeholders(root, texts)
    if found or texts is None or categories is None or lexicon is None or zones is None:
        raise KnowledgeBaseError(found)
    return KnowledgeBaseContent(
        texts=texts,
        lexicon=lexicon,
        timezones=zones.regions,
        figures=figures,
        categories=categories.categories,
        situations={sid: s for sid, (s, _) in situations.items()},
        version=fingerprint(root),
    )


def situation_files(root: Path) -> list[Path]:
    folder = root / "situations"
    return content_files(folder, "*.yml") + content_files(folder, "*.yaml")


def load_figures(root: Path, found: list[str]) -> dict[str, Figure]:
    parsed = []
    for path in figure_files(root):
        if not is_content_file(path, root):
            continue  # an editor's lock or backup beside the figures
        source = _source(root, path, found)
        part = _parse(source, Figures, found) if source else None
        if source is not None and part is not None:
            parsed.append((source, part))
    return merge(parsed, found)


def load_situations(
    root: Path, found: list[str], broken: set[str], figures: Mapping[str, Figure] | None = None
) -> dict[str, tuple[Situation, SourceFile]]:
    files = situation_files(root)
    if not files:
        found.append("situations:1:1: нет ни одного файла ситуации (*.yml)")
    situations: dict[str, tuple[Situation, SourceFile]] = {}
    for path in files:
        source = _source(root, path, found)
        if source is not None:
            source = replace(source, data=substitute(source.data, figures or {}, source, found))
        situation = _parse(source, Situation, found) if source else None
        if situation is None or source is None:
            broken.add(path.stem)
            continue
        if situation.id != path.stem:
            found.append(source.at(("id",), f"код «{situation.id}» должен совпадать с именем "
                                             f"файла «{path.stem}»"))  # fmt: skip
        else:
            found += _check_situation(source, situation)
            situations[situation.id] = (situation, source)
    return situations


def _source(root: Path, path: Path, found: list[str]) -> SourceFile | None:
    source, problem = read_source(root, path)
    if problem:
        found.append(problem)
    return source


def _parse(source: SourceFile, model: type[M], found: list[str]) -> M | None:
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        found += [source.at(loc, what) for loc, what in errors(exc)]
        return None


def _load(root: Path, path: Path, model: type[M], found: list[str]) -> M | None:
    source = _source(root, path, found)
    return _parse(source, model, found) if source else None


def _check_situation(source: SourceFile, situation: Situation) -> list[str]:
    """Rules that span fields: unique ids and conditions that point at real answers."""
    found = []
    question_ids = [q.id for q in situation.questions]
    if len(question_ids) != len(set(question_ids)):
        found.append(source.at(("questions",), "коды вопросов повторяются"))
    step_ids = [s.id for s in situation.steps]
    if len(step_ids) != len(set(step_ids)):
        found.append(source.at(("steps",), "коды шагов повторяются"))
    faq_ids = [item.id for item in situation.faq]
    if len(faq_ids) != len(set(faq_ids)):
        found.append(source.at(("faq",), "коды вопросов в faq повторяются"))
    found += [
        source.at(("faq", index, "step"), f"нет шага с кодом «{item.step}»")
        for index, item in enumerate(situation.faq)
        if item.step is not None and item.step not in step_ids
    ]
    for index, step in enumerate(situation.steps):
        for question_id, option_ids in step.when.items():
            loc = ("steps", index, "when", question_id)
            question = situation.question(question_id)
            if question is None:
                found.append(source.at(loc, f"нет вопроса с кодом «{question_id}»"))
                continue
            known = {o.id for o in question.options}
            found += [
                source.at(loc, f"у вопроса «{question_id}» нет варианта «{option_id}»")
                for option_id in option_ids
                if option_id not in known
            ]
    return found


def _cross_check(
    source: SourceFile,
    categories: Categories,
    situations: dict[str, tuple[Situation, SourceFile]],
    broken: set[str],
) -> list[str]:
    found = []
    listed: dict[str, str] = {}
    ids = [c.id for c in categories.categories]
    if len(ids) != len(set(ids)):
        found.append(source.at(("categories",), "коды категорий повторяются"))
    for index, category in enumerate(categories.categories):
        loc = ("categories", index, "situations")
        for situation_id in category.situations:
            if situation_id in broken:
                pass  # a broken file is reported once, not again by every reference to it
            elif situation_id not in situations:
                found.append(source.at(loc, f"ситуации «{situation_id}» нет в папке situations"))
            elif situation_id in listed:
                found.append(source.at(
                    loc, f"ситуация «{situation_id}» уже есть в «{listed[situation_id]}»"
                ))  # fmt: skip
            listed[situation_id] = category.id
    for situation, file in situations.values():
        if listed.get(situation.id) != situation.category:
            where = f"«{situation.category}» в categories.yml"
            found.append(
                file.at(("category",), f"ситуация должна быть в списке категории {where}")
            )
        for index, related in enumerate(situation.related):
            if related not in situations and related not in broken:
                found.append(file.at(("related", index), f"ситуации «{related}» нет"))
    return found


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in content_files(root, "*.y*ml", recursive=True):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
