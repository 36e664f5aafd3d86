"""Training examples in Rasa 3.x format (``nlu/data/*.yml``) plus the knowledge base's own."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from dialogs.ports import KnowledgeBase
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.source import content_files

DATA_DIR = Path(__file__).resolve().parent / "data"
_ENTITY = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")

Examples = dict[str, list[str]]


def read_rasa_file(path: Path) -> Examples:
    """Intent → examples from one Rasa NLU file; entity markup is reduced to its text."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError([f"{path.name}: файл NLU не читается ({exc})"]) from exc
    found: Examples = defaultdict(list)
    for index, item in enumerate(document.get("nlu") or []):
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, lookup tables and regexes are not examples
        if not isinstance(item.get("examples"), str):
            raise KnowledgeBaseError([f"{path.name}: nlu[{index}].examples: ожидается блок «|»"])
        found[str(item["intent"])] += list(_example_lines(item["examples"]))
    return dict(found)


def _example_lines(block: str) -> Iterable[str]:
    for line in block.splitlines():
        text = line.strip()
        if text.startswith("- "):
            yield _ENTITY.sub(lambda m: m.group(1) or m.group(2), text[2:].strip())


def training_examples(knowledge: KnowledgeBase, data_dir: Path = DATA_DIR) -> Examples:
    """Both sources: the Rasa files and the examples editors wrote in situation files."""
    merged: Examples = defaultdict(list)
    for path in content_files(data_dir, "*.yml"):  # an editor's lock file is not data
        for intent, examples in read_rasa_file(path).items():
            merged[intent] += examples
    for category in knowledge.categories:
        for situation in knowledge.situations_in(category.id):
            merged[situation.id] += [situation.title, *situation.examples]
    return {intent: _unique(examples) for intent, examples in merged.items()}


def _unique(examples: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(e for e in examples if e))


def counts(examples: Mapping[str, list[str]]) -> dict[str, int]:
    return {intent: len(items) for intent, items in examples.items()}
