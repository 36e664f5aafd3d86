"""Load the knowledge base from a folder: all files or nothing.

Every defect in every file is collected first, so an editor sees the whole list at once;
``KnowledgeBaseError`` is raised if there is any, and nothing is returned half-loaded.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from dialogs.errors import KnowledgeBaseError
from knowledge_base import CONTENT_DIR
from knowledge_base.content import KnowledgeBaseContent
from knowledge_base.errors_ru import problems as pydantic_problems
from knowledge_base.schema import Categories, Situation, Texts

M = TypeVar("M", bound=BaseModel)


def load_knowledge_base(root: Path = CONTENT_DIR) -> KnowledgeBaseContent:
    found: list[str] = []
    texts = _load_model(root, root / "texts.yml", Texts, found)
    categories = _load_model(root, root / "categories.yml", Categories, found)
    broken: set[str] = set()
    situations = _load_situations(root, found, broken)
    if categories is not None:
        # A broken file is reported once, not again by every reference to it.
        found += _cross_check(categories, situations, broken)
    if found or texts is None or categories is None:
        raise KnowledgeBaseError(found)
    return KnowledgeBaseContent(
        texts=texts,
        categories=categories.categories,
        situations=situations,
        version=_fingerprint(root),
    )


def _load_situations(root: Path, found: list[str], broken: set[str]) -> dict[str, Situation]:
    folder = root / "situations"
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not files:
        found.append(f"{_label(root, folder)}: нет ни одного файла ситуации (*.yml)")
    situations: dict[str, Situation] = {}
    for path in files:
        situation = _load_model(root, path, Situation, found)
        if situation is None:
            broken.add(path.stem)
            continue
        if situation.id != path.stem:
            found.append(
                f"{_label(root, path)}: id: код «{situation.id}» должен совпадать "
                f"с именем файла «{path.stem}»"
            )
        elif situation.id in situations:
            found.append(f"{_label(root, path)}: id: ситуация «{situation.id}» уже есть")
        else:
            found += [f"{_label(root, path)}: {p}" for p in _check_situation(situation)]
            situations[situation.id] = situation
    return situations


def _load_model(root: Path, path: Path, model: type[M], found: list[str]) -> M | None:
    label = _label(root, path)
    data = _read_yaml(path, label, found)
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found += pydantic_problems(label, exc)
        return None


def _read_yaml(path: Path, label: str, found: list[str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        found.append(f"{label}: файл не найден")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        found.append(f"{label}: файл не читается как текст UTF-8 ({exc})")
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"строка {mark.line + 1}, столбец {mark.column + 1}" if mark else "разметка"
        found.append(f"{label}: {where}: ошибка YAML ({getattr(exc, 'problem', exc)})")
        return None
    if not isinstance(data, dict):
        found.append(f"{label}: (весь файл): ожидается словарь полей, а файл пуст или это список")
        return None
    return data


def _check_situation(situation: Situation) -> list[str]:
    """Rules that span fields: unique ids and conditions that point at real answers."""
    found = []
    question_ids = [q.id for q in situation.questions]
    if len(question_ids) != len(set(question_ids)):
        found.append("questions: коды вопросов повторяются")
    step_ids = [s.id for s in situation.steps]
    if len(step_ids) != len(set(step_ids)):
        found.append("steps: коды шагов повторяются")
    for index, step in enumerate(situation.steps):
        for question_id, option_ids in step.when.items():
            found += _check_condition(
                situation, f"steps[{index}].when.{question_id}", question_id, option_ids
            )
    return found


def _check_condition(
    situation: Situation, where: str, question_id: str, option_ids: tuple[str, ...]
) -> list[str]:
    question = situation.question(question_id)
    if question is None:
        return [f"{where}: нет вопроса с кодом «{question_id}»"]
    known = {o.id for o in question.options}
    return [
        f"{where}: у вопроса «{question_id}» нет варианта «{option_id}»"
        for option_id in option_ids
        if option_id not in known
    ]


def _cross_check(
    categories: Categories, situations: dict[str, Situation], broken: set[str]
) -> list[str]:
    found = []
    listed: dict[str, str] = {}
    for index, category in enumerate(categories.categories):
        for situation_id in category.situations:
            where = f"categories.yml: categories[{index}].situations"
            if situation_id in broken:
                pass
            elif situation_id not in situations:
                found.append(f"{where}: ситуации «{situation_id}» нет в папке situations")
            elif situation_id in listed:
                found.append(
                    f"{where}: ситуация «{situation_id}» уже есть в «{listed[situation_id]}»"
                )
            listed[situation_id] = category.id
    for situation in situations.values():
        label = f"situations/{situation.id}.yml"
        if listed.get(situation.id) != situation.category:
            found.append(
                f"{label}: category: ситуация должна быть в списке категории "
                f"«{situation.category}» в categories.yml"
            )
        for related in situation.related:
            if related not in situations and related not in broken:
                found.append(f"{label}: related: ситуации «{related}» нет")
    return found


def _label(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.y*ml")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
