"""No `when` hides an entitlement from someone who has it: cases written per situation.

Each case in ``tests/fixtures/entitlements/*.yml`` is a citizen's answers, the steps they must
see (what they are entitled to or must do) and, where it matters, steps they must not see.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialogs.calendar import add_working_days
from dialogs.plan import due_date, personal_steps
from knowledge_base import CONTENT_DIR
from knowledge_base.loader import load_knowledge_base
from knowledge_base.model import KnowledgeBaseContent

FOLDER = Path(__file__).parent / "fixtures" / "entitlements"
MIN_CASES = 2


def _cases() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(FOLDER.glob("*.yml")):
        found += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cases") or []
    return found


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c['situation']}: {c['why'][:60]}" for c in CASES])
def test_the_plan_shows_what_the_citizen_is_entitled_to(
    kb: KnowledgeBaseContent, case: dict[str, Any]
) -> None:
    situation = kb.situations[case["situation"]]
    answers: dict[str, str] = case.get("answers") or {}
    for question_id, option_id in answers.items():
        question = situation.question(question_id)
        assert question is not None, f"no question {question_id}"
        assert question.kind == "date" or option_id in {o.id for o in question.options}
    shown = {step.id for step in personal_steps(situation, answers)}
    assert set(case.get("shows") or []) <= shown, case["why"]
    assert not set(case.get("hides") or []) & shown, case["why"]


def test_every_situation_has_its_entitlement_cases(kb: KnowledgeBaseContent) -> None:
    counted = {sid: sum(c["situation"] == sid for c in CASES) for sid in kb.situations}
    assert {sid: n for sid, n in counted.items() if n < MIN_CASES} == {}


def test_working_day_deadlines_follow_the_production_calendar(kb: KnowledgeBaseContent) -> None:
    for situation in kb.situations.values():
        for step in situation.steps:
            deadline = step.deadline
            if deadline is None or not deadline.working_days:
                continue
            # A layoff on Friday 25 December 2026: the New Year holidays do not count.
            start = dt.date(2026, 12, 25)
            assert due_date(deadline, start) == add_working_days(start, deadline.working_days)
            assert "рабоч" in deadline.text, f"{situation.id}.{step.id}: say «рабочих дней»"


def test_figures_are_current_and_used(kb: KnowledgeBaseContent) -> None:
    this_year = dt.date.today().year
    assert {n: f.year for n, f in kb.figures.items() if f.year < this_year} == {}
    files = (CONTENT_DIR / "situations").glob("*.yml")
    raw = "".join(path.read_text(encoding="utf-8") for path in files).replace(" ", "")
    unused = [name for name in kb.figures if "{{" + name + "}}" not in raw]
    assert unused == [], "a figure no situation names is a figure nobody updates"


def test_a_figure_is_put_into_the_text(tmp_path: Path, content_copy: Path) -> None:
    situation = content_copy / "situations" / "child_birth.yml"
    text = situation.read_text(encoding="utf-8")
    situation.write_text(
        text.replace("summary: >-\n", "summary: >-\n  Пособие — {{lump_sum_birth}}.\n", 1),
        encoding="utf-8",
    )
    loaded = load_knowledge_base(content_copy)
    figure = loaded.figures["lump_sum_birth"]
    assert f"Пособие — {figure.value}." in loaded.situations["child_birth"].summary
