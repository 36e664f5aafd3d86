"""The knowledge base loads whole or not at all, and says exactly what is wrong and where."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.loader import load_knowledge_base
from knowledge_base.model import KnowledgeBaseContent

SITUATIONS = {
    "child_birth", "large_family", "kindergarten", "school", "higher_education", "marriage",
    "divorce", "passport", "travel_abroad", "relocation", "home_purchase", "house_construction",
    "car_ownership", "job_loss", "retirement", "disability", "low_income", "bereavement",
    "military_service", "business_start", "healthcare", "tax_deduction", "elderly_care",
    "lost_documents",
}  # fmt: skip


NEW_SITUATIONS = {
    "pregnancy", "maternity_capital", "alimony", "unpaid_wages", "consumer_rights", "bankruptcy"
}  # fmt: skip


def test_the_shipped_content_has_the_30_situations(kb: KnowledgeBaseContent) -> None:
    assert set(kb.situations) == SITUATIONS | NEW_SITUATIONS
    assert {c.id for c in kb.categories} == {
        "family", "housing", "work", "social", "documents", "money", "business"
    }  # fmt: skip


def test_every_situation_is_reviewed_against_its_sources(kb: KnowledgeBaseContent) -> None:
    for situation in kb.situations.values():
        assert situation.review, f"{situation.id}: no record of what was checked"
        assert "http" in situation.review, f"{situation.id}: the review names no source"
        assert situation.last_reviewed >= dt.date(2026, 12, 1), situation.id


def test_every_situation_is_complete_for_a_citizen(kb: KnowledgeBaseContent) -> None:
    for situation in kb.situations.values():
        assert 1 <= len(situation.questions) <= 4, situation.id
        assert situation.sources, situation.id
        for step in situation.steps:
            assert step.where, step.id
            assert all((step.cost, step.duration, step.what)), step.id


def test_sensitive_situations_open_with_sympathy(kb: KnowledgeBaseContent) -> None:
    for situation_id in ("bereavement", "disability", "job_loss", "unpaid_wages", "alimony",
                         "bankruptcy"):  # fmt: skip
        assert kb.situations[situation_id].sympathy, situation_id


def _problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(root)
    return list(caught.value.problems)


def test_broken_yaml_names_the_file_and_the_line(content_copy: Path) -> None:
    path = content_copy / "situations" / "divorce.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  bad: [unclosed\n", encoding="utf-8")
    (problem,) = _problems(content_copy)
    assert re.match(r"situations/divorce\.yml:\d+:\d+: ошибка YAML", problem), problem


def test_loading_reports_positions_like_validate(content_copy: Path) -> None:
    """The running bot logs the same «file:line:column: field: problem» lines editors see."""
    path = content_copy / "situations" / "passport.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ntitle:", "\nheadline:", 1), encoding="utf-8")
    problems = _problems(content_copy)
    assert "situations/passport.yml:2:1: title: поле обязательно, но его нет" in problems
    assert any(
        re.fullmatch(
            r"situations/passport\.yml:3:\d+: headline: такого поля нет в схеме \(опечатка\?\)", p
        )
        for p in problems
    )


def test_several_broken_files_are_all_reported_and_nothing_is_loaded(content_copy: Path) -> None:
    (content_copy / "texts.yml").write_text("greeting: [\n", encoding="utf-8")
    (content_copy / "situations" / "marriage.yml").write_text("- a list\n", encoding="utf-8")
    problems = _problems(content_copy)
    assert any(p.startswith("texts.yml:") for p in problems)
    assert any(p.startswith("situations/marriage.yml:1:1: (весь файл)") for p in problems)


def test_an_unquoted_colon_gets_a_hint(content_copy: Path) -> None:
    path = content_copy / "situations" / "child_birth.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("- паспорта родителей\n", "- паспорта: обоих родителей\n", 1),
        encoding="utf-8",
    )
    (problem,) = _problems(content_copy)
    assert re.match(r"situations/child_birth\.yml:\d+:\d+: steps\[0\]\.documents\[1\]: ", problem)
    assert "ожидается текст (если в тексте есть «: », возьмите его в кавычки)" in problem
