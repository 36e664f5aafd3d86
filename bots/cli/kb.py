"""``lifebot kb``: tools for content editors — validate, lint, schema, preview."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from bots.cli.common import fail, friendly_errors, load_settings
from bots.runtime.composition import preview_engine
from bots.shared.text_choices import render as render_text
from dialogs import payloads
from dialogs.screens import Screens
from knowledge_base import CONTENT_DIR
from knowledge_base.json_schema import SCHEMA_FILE, write_schema
from knowledge_base.lint import FIGURES_MAX_AGE
from knowledge_base.lint import lint as lint_content
from knowledge_base.loader import load_knowledge_base
from knowledge_base.model import KnowledgeBaseContent
from knowledge_base.validate import validate as validate_content
from nlu.training_data import DATA_DIR, training_examples

kb_app = typer.Typer(help="База знаний: проверка, подсказки, предпросмотр.", no_args_is_help=True)
Folder = Annotated[Path | None, typer.Argument(help="Папка базы знаний (по умолчанию — рабочая)")]


def _root(path: Path | None) -> Path:
    if path is not None:
        return path
    settings = load_settings()
    return settings.knowledge_base_path or CONTENT_DIR


@kb_app.command("validate")
def validate(path: Folder = None) -> None:
    """Проверить все файлы; все ошибки сразу, с файлом, строкой и столбцом. Код выхода 1."""
    root = _root(path)
    problems = validate_content(root, DATA_DIR)
    for problem in problems:
        typer.echo(problem)
    if problems:
        fail(f"Ошибок: {len(problems)}. Исправьте их — до этого изменения не опубликуются.")
    typer.echo("Ошибок нет.")


@kb_app.command("lint")
def lint(
    path: Folder = None,
    figures_max_age: Annotated[
        int, typer.Option(help="Через сколько дней без сверки величина из figures устаревает")
    ] = FIGURES_MAX_AGE,
) -> None:
    """Предупреждения, которые не мешают публикации (код выхода 0)."""
    root = _root(path)
    with friendly_errors():
        content = load_knowledge_base(root)
    rendered = {
        (s.id, step.id): Screens(content.texts).step(step, 1, 1, None, dt.date.today()).text
        for s in content.situations.values()
        for step in s.steps
    }
    examples = training_examples(content)
    phrases = {intent: examples[intent] for intent in content.situations if intent in examples}
    warnings = lint_content(content, rendered, phrases, dt.date.today(), figures_max_age)
    for warning in warnings:
        typer.echo(warning)
    typer.echo(f"Предупреждений: {len(warnings)}.")


@kb_app.command("schema")
def schema() -> None:
    """Записать knowledge_base/schema.json — по ней редакторы подсказывают поля."""
    typer.echo(f"Схема записана: {write_schema(SCHEMA_FILE)}")


@kb_app.command("preview")
def preview(
    situation: Annotated[str, typer.Argument(help="Код ситуации, например child_birth")],
    answer: Annotated[
        list[str] | None, typer.Option(help="ВОПРОС=ВАРИАНТ; дата — ВОПРОС=ГГГГ-ММ-ДД")
    ] = None,
    path: Annotated[Path | None, typer.Option(help="Папка базы знаний")] = None,
    today: Annotated[
        str | None, typer.Option(help="Какой день считать сегодняшним, ГГГГ-ММ-ДД")
    ] = None,
) -> None:
    """Показать ровно то, что увидит гражданин при этих ответах, шаг за шагом."""
    with friendly_errors():
        content = load_knowledge_base(_root(path))
    chosen = dict(_pair(item) for item in answer or [])
    for screen in asyncio.run(_screens(content, situation, chosen, _day(today))):
        typer.echo(screen)
        typer.echo("─" * 60)


def _day(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--today «{text}»: нужна дата ГГГГ-ММ-ДД, например 2026-03-02")
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def _pair(item: str) -> tuple[str, str]:
    question, sep, option = item.partition("=")
    if not sep or not question or not option:
        fail(f"--answer «{item}»: нужно ВОПРОС=ВАРИАНТ, например married=not_married")
    return question.strip(), option.strip()


async def _screens(
    content: KnowledgeBaseContent, situation_id: str, chosen: dict[str, str], now: dt.datetime
) -> list[str]:
    situation = content.situation(situation_id)
    if situation is None:
        fail(f"Ситуации «{situation_id}» нет. Есть: {', '.join(sorted(content.situations))}")
    unknown = set(chosen) - {q.id for q in situation.questions}
    if unknown:
        fail(f"У ситуации «{situation_id}» нет вопросов: {', '.join(sorted(unknown))}")
    engine = preview_engine(content)
    clock = now
    screens: list[str] = []

    async def send(text: str | None = None, payload: str | None = None) -> list[str]:
        from dialogs.contract import IncomingEvent

        nonlocal clock
        clock += dt.timedelta(seconds=1)
        event = IncomingEvent("preview", "editor", "editor", clock, text=text, payload=payload)
        replies = await engine.handle(event)
        screens.append(render_text(replies).text)
        return [b.payload for r in replies for b in r.all_buttons]

    shown = await send(text=f"/start {situation_id}")
    for question in situation.questions:
        value = chosen.get(question.id)
        if value is None:
            if not question.skippable:
                options = ", ".join(o.id for o in question.options) or "ГГГГ-ММ-ДД"
                fail(f"Нужен ответ: --answer {question.id}=… ({options})")
            shown = await send(payload=payloads.SKIP_QUESTION)
        elif question.kind == "date" and value not in {o.id for o in question.options}:
            shown = await send(text=value)
        else:
            if value not in {o.id for o in question.options}:
                options = ", ".join(o.id for o in question.options)
                fail(f"У вопроса «{question.id}» нет варианта «{value}». Есть: {options}")
            shown = await send(payload=payloads.answer(question.id, value))
    while payloads.NEXT in shown or payloads.FINISH in shown:
        step_payloads = shown
        if payloads.DOCUMENTS in step_payloads:
            await send(payload=payloads.DOCUMENTS)
        if payloads.FINISH in step_payloads:
            await send(payload=payloads.FINISH)
            break
        shown = await send(payload=payloads.NEXT)
    return screens
