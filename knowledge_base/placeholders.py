"""The ``{placeholders}`` of texts.yml: renamed or removed, a text would break at run time
(every category tap would get the apology), so loading refuses it with file:line."""

from __future__ import annotations

from pathlib import Path
from string import Formatter

from knowledge_base.model import Texts
from knowledge_base.source import read_source

# Text → the placeholders the code fills in; every one must be there, no other may be.
EXPECTED: dict[str, frozenset[str]] = {
    "category_prompt": frozenset({"category"}),
    "switch_offer": frozenset({"title"}),
    "plan_intro": frozenset({"title", "count"}),
    "step_header": frozenset({"number", "total", "title"}),
    "label_due_date": frozenset({"date"}),
    "understood": frozenset({"facts"}),
    "plan_restored": frozenset({"title"}),
    "edit_prompt": frozenset({"answers"}),
    "deadline_passed": frozenset({"date"}),
    "followup_step": frozenset({"title"}),
    "full_plan_header": frozenset({"title"}),
}


def placeholders(text: str) -> set[str] | None:
    """The names in ``text``, or None when its braces do not parse."""
    try:
        return {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def check_placeholders(root: Path, texts: Texts) -> list[str]:
    source, _ = read_source(root, root / "texts.yml")
    found: list[str] = []
    for name in type(texts).model_fields:
        value = getattr(texts, name)
        if not isinstance(value, str):
            continue
        expected = EXPECTED.get(name, frozenset())
        used = placeholders(value)
        if used is None:
            problem = "фигурные скобки не закрыты: { и } должны стоять парами вокруг подстановки"
        elif used - expected:
            wrong = ", ".join(f"{{{n}}}" for n in sorted(used - expected))
            allowed = ", ".join(f"{{{n}}}" for n in sorted(expected)) or "никаких"
            problem = f"подстановки {wrong} здесь нет; можно: {allowed}"
        elif expected - used:
            missing = ", ".join(f"{{{n}}}" for n in sorted(expected - used))
            problem = f"пропала подстановка {missing} — верните её, её заполняет программа"
        else:
            continue
        found.append(source.at((name,), problem) if source else f"texts.yml: {name}: {problem}")
    return found
