"""Editors' tools: schema in sync, lint, preview, the validate command, live reload."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.runtime.reload import KnowledgeReloader
from dialogs.engine import DialogEngine
from dialogs.memory import MemoryDatabase
from knowledge_base import CONTENT_DIR
from knowledge_base.json_schema import MODELINE, SCHEMA_FILE, schema_text
from knowledge_base.lint import lint, similar_phrases
from knowledge_base.loader import load_knowledge_base, situation_files
from nlu.embedded import EmbeddedClassifier
from tests.chat import Chat

FIXTURE = Path(__file__).parent / "fixtures"
runner = CliRunner()


def test_the_committed_schema_matches_the_models() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), "run: lifebot kb schema"


def test_every_situation_file_names_the_schema_for_editors() -> None:
    for path in situation_files(CONTENT_DIR):
        assert path.read_text(encoding="utf-8").splitlines()[0] == MODELINE, path.name


def test_schema_descriptions_are_in_russian() -> None:
    assert "Уточняющие вопросы" in schema_text()


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["kb", "validate"])
    assert ok.exit_code == 0, ok.output
    assert "Ошибок нет." in ok.output
    broken = tmp_path / "kb"
    shutil.copytree(CONTENT_DIR, broken, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (broken / "situations" / "divorce.yml").write_text("title: [\n", encoding="utf-8")
    failed = runner.invoke(app, ["kb", "validate", str(broken)])
    assert failed.exit_code == 1
    assert "situations/divorce.yml:2:1: ошибка YAML" in failed.output
    assert "Ошибок: 1." in failed.output


def test_lint_warns_without_blocking() -> None:
    content = load_knowledge_base(FIXTURE / "kb")
    long_step = {("alpha", "register"): "я" * 5000}
    warnings = lint(content, long_step, {}, today=dt.date(2027, 6, 1))
    assert "situations/alpha.yml: last_reviewed: содержание проверяли 01.11.2026, больше 180 " \
           "дней назад — сверьте с источниками и обновите дату" in warnings  # fmt: skip
    assert any(
        "steps.register: сообщение шага длиннее 4096 символов (5000)" in w for w in warnings
    )
    fresh = lint(content, {}, {}, today=dt.date(2026, 11, 25))
    assert fresh == []


def test_lint_finds_a_step_without_sources_or_link(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE / "kb", root)
    path = root / "situations" / "beta.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("        url: https://trudvsem.ru/\n", "").replace(
        "    sources:\n      - https://trudvsem.ru/czn\n", ""
    )
    path.write_text(text, encoding="utf-8")
    warnings = lint(load_knowledge_base(root), {}, {}, today=dt.date(2026, 11, 25))
    assert warnings == [
        "situations/beta.yml: steps.register_czn.sources: у шага нет официального источника",
        "situations/beta.yml: steps.register_czn.where: "
        "нет ссылки, куда обратиться — добавьте url",
    ]


def test_lint_asks_for_what_to_do_after_a_deadline_and_for_synonyms(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE / "kb", root)
    alpha = root / "situations" / "alpha.yml"
    alpha.write_text(
        alpha.read_text(encoding="utf-8").replace(
            "    if_missed: Зарегистрировать можно и позже — штрафа нет.\n", ""
        ),
        encoding="utf-8",
    )
    beta = root / "situations" / "beta.yml"
    beta.write_text(
        beta.read_text(encoding="utf-8").replace("        synonyms: [по другой причине]\n", ""),
        encoding="utf-8",
    )
    warnings = lint(load_knowledge_base(root), {}, {}, today=dt.date(2026, 11, 25))
    assert warnings == [
        "situations/alpha.yml: steps.register.if_missed: у шага есть срок, но не сказано, что "
        "делать, если он пропущен — гражданин увидит общий ответ",
        "situations/beta.yml: questions.reason.options.other.synonyms: нет синонимов — ответ "
        "словами поймётся только по тексту кнопки",
    ]


def test_lint_warns_about_old_figures_and_bare_home_pages(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE / "kb", root)
    (root / "figures").mkdir()
    (root / "figures" / "fees.yml").write_text(
        "figures:\n  alpha_fee:\n    title: Пошлина\n    value: 350 ₽\n    year: 2025\n"
        "    source: https://www.consultant.ru/document/cons_doc_LAW_28165/\n"
        "    reviewed: 2025-01-10\n  alpha_age:\n    title: Возраст\n    value: 14 лет\n"
        "    year: 2026\n    source: https://www.consultant.ru/document/cons_doc_LAW_28165/\n"
        "    reviewed: 2025-01-10\n",
        encoding="utf-8",
    )
    alpha = root / "situations" / "alpha.yml"
    text = alpha.read_text(encoding="utf-8").replace(
        "what: Подайте заявление в ЗАГС.", "what: Подайте заявление в ЗАГС ({{alpha_fee}})."
    )
    situation_source = "    url: https://www.consultant.ru/document/cons_doc_LAW_8447/\nlast"
    assert situation_source in text
    text = text.replace(situation_source, "    url: https://www.gosuslugi.ru/\nlast")
    alpha.write_text(text, encoding="utf-8")
    content = load_knowledge_base(root)
    assert "(350 ₽)" in content.situations["alpha"].steps[0].what  # the value is put in
    warnings = lint(content, {}, {}, today=dt.date(2026, 11, 25), figures_max_age=300)
    assert warnings == [
        "situations/alpha.yml: sources.0: «https://www.gosuslugi.ru/» — главная страница; "
        "дайте ссылку на статью закона или страницу услуги",
        "figures: alpha_age: сверяли 10.01.2025, больше 300 дней назад — сверьте с источником "
        "и обновите reviewed",
        "figures: alpha_fee: величина на 2025 год, а сейчас 2026 — проверьте новый размер и "
        "обновите value, year и reviewed",
    ]


def test_lint_finds_nearly_identical_phrases_of_two_situations() -> None:
    found = similar_phrases(
        {"alpha": ["потерял паспорт в метро"], "beta": ["потерял паспорт в метро вчера"]}
    )
    assert len(found) == 1
    assert "«потерял паспорт в метро» (alpha)" in found[0]
    assert similar_phrases({"alpha": ["родился сын"], "beta": ["сократили на работе"]}) == []


def test_preview_shows_what_a_citizen_sees() -> None:
    args = ["kb", "preview", "child_birth", "--answer", "birth_date=2026-03-01",
            "--answer", "married=not_married", "--answer", "employed=employed",
            "--answer", "low_income=no_low", "--today", "2026-03-02"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Рождение ребёнка. Шагов в плане: 7." in out
    assert "1. Зарегистрируйте рождение и получите свидетельство — до 01.04.2026" in out
    assert "Шаг 2 из 7. Установите отцовство" in out
    assert "Шаг 7 из 7. Пропишите ребёнка по месту жительства" in out
    assert "медицинское свидетельство о рождении" in out  # the documents screen


def test_preview_explains_a_wrong_answer() -> None:
    result = runner.invoke(app, ["kb", "preview", "child_birth", "--answer", "married=maybe"])
    assert result.exit_code == 1
    assert "У вопроса «married» нет варианта «maybe». Есть: married, not_married" in result.output


# Live reload


@pytest.fixture
def live(
    tmp_path: Path, classifier: EmbeddedClassifier
) -> tuple[Path, DialogEngine, KnowledgeReloader]:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE / "kb", root)
    engine = DialogEngine(load_knowledge_base(root), classifier, MemoryDatabase().units)

    def build() -> tuple[object, EmbeddedClassifier]:
        return load_knowledge_base(root), classifier

    return root, engine, KnowledgeReloader(engine, build, [root], every=0.01)  # type: ignore[arg-type]


def _edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


async def test_a_valid_change_is_served_after_reload(
    live: tuple[Path, DialogEngine, KnowledgeReloader],
) -> None:
    root, engine, reloader = live
    assert await reloader.check() is False  # nothing changed yet
    _edit(root, "situations/alpha.yml", "title: Рождение ребёнка", "title: Рождение малыша")
    assert await reloader.check() is True
    chat = Chat(engine)
    await chat.say("/start alpha")
    assert "Рождение малыша" in chat.text


async def test_an_invalid_change_keeps_the_previous_version(
    live: tuple[Path, DialogEngine, KnowledgeReloader], caplog: pytest.LogCaptureFixture
) -> None:
    root, engine, reloader = live
    before = engine.knowledge
    _edit(root, "situations/alpha.yml", "      months: 1", "      months: месяц")
    with caplog.at_level(logging.ERROR, logger="lifebot.reload"):
        assert await reloader.check() is False
    assert engine.knowledge is before
    assert "steps[0].deadline.months: ожидается целое число" in caplog.text


async def test_a_half_written_file_waits_for_the_rest(
    live: tuple[Path, DialogEngine, KnowledgeReloader],
) -> None:
    root, engine, reloader = live
    path = root / "situations" / "beta.yml"
    full = path.read_text(encoding="utf-8").replace("Потеря работы", "Увольнение")
    path.write_text(full[: len(full) // 2], encoding="utf-8")  # the editor is still saving
    assert await reloader.check() is False
    assert engine.knowledge.situation("beta").title == "Потеря работы"  # type: ignore[union-attr]
    path.write_text(full, encoding="utf-8")
    assert await reloader.check() is True
    assert engine.knowledge.situation("beta").title == "Увольнение"  # type: ignore[union-attr]


async def test_a_conversation_survives_a_reload_that_removes_its_step(
    live: tuple[Path, DialogEngine, KnowledgeReloader],
) -> None:
    root, engine, reloader = live
    chat = Chat(engine)
    await chat.say("/start alpha")
    await chat.say("01.03.2026")
    await chat.press("Нет")
    await chat.press("Дальше")
    await chat.press("Дальше")
    assert "Шаг 2 из 2. Установите отцовство" in chat.text
    path = root / "situations" / "alpha.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: paternity")] + text[text.index("related:"):],
                    encoding="utf-8")  # fmt: skip
    assert await reloader.check() is True
    await chat.press("Документы")  # on a step that no longer exists
    assert "Шаг 1 из 1. Зарегистрируйте рождение" in chat.text  # the nearest one that does
    await chat.press("Документы")
    assert "паспорт" in chat.text


async def test_a_conversation_survives_its_situation_being_removed(
    live: tuple[Path, DialogEngine, KnowledgeReloader],
) -> None:
    root, engine, reloader = live
    chat = Chat(engine)
    await chat.say("/start beta")
    await chat.press("Сокращение")
    (root / "situations" / "beta.yml").unlink()
    _edit(root, "categories.yml", "[alpha, beta]", "[alpha]")
    _edit(root, "situations/alpha.yml", "related: [beta]", "related: []")
    assert await reloader.check() is True
    await chat.press("Дальше")
    assert "Семья" in chat.labels  # back to the menu, no error
