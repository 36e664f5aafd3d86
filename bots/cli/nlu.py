"""``lifebot nlu``: parse texts, measure accuracy, export training data for Rasa."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from bots.cli.common import fail, friendly_errors, load_settings
from bots.runtime.composition import build_classifier, build_embedded_classifier, load_content
from dialogs.ports import Classification
from nlu.evaluate import Report, cross_validate, evaluate
from nlu.training_data import read_rasa_file, training_examples

nlu_app = typer.Typer(
    help="Распознавание текста: разбор, качество, экспорт.", no_args_is_help=True
)


def as_json(text: str, result: Classification) -> str:
    top = result.top
    return json.dumps(
        {
            "text": text,
            "intent": top.intent if top else None,
            "confidence": round(top.confidence, 4) if top else 0.0,
            "ranking": [
                {"intent": s.intent, "confidence": round(s.confidence, 4)} for s in result.ranking
            ],
            "entities": [
                {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
                for e in result.entities
            ],
        },
        ensure_ascii=False,
    )


@nlu_app.command("parse")
def parse() -> None:
    """Один текст на строку со стандартного ввода → одна строка JSON на выходе."""
    settings = load_settings()
    with friendly_errors():
        classifier, closers = build_classifier(settings, load_content(settings))

    async def run() -> None:
        try:
            for line in sys.stdin:
                if text := line.strip():
                    sys.stdout.write(as_json(text, await classifier.classify(text)) + "\n")
                    sys.stdout.flush()
        finally:
            for closer in closers:
                await closer.close()

    asyncio.run(run())


@nlu_app.command("evaluate")
def evaluate_command(
    file: Annotated[
        Path | None, typer.Argument(help="Тестовые примеры в формате Rasa NLU")
    ] = None,
    cross_validation: Annotated[
        int, typer.Option(help="Число блоков для кросс-валидации (например 5)")
    ] = 0,
) -> None:
    """Точность, полнота и F1 по интентам и самые частые путаницы."""
    settings = load_settings()
    if cross_validation == 1 or cross_validation < 0:
        fail("--cross-validation: нужно не меньше 2 блоков")
    if not cross_validation and file is None:
        fail("Укажите файл с примерами в формате Rasa или --cross-validation N")
    with friendly_errors():
        knowledge = load_content(settings)

        def is_situation(intent: str) -> bool:  # as the engine decides what to offer
            return knowledge.situation(intent) is not None

        threshold = settings.nlu_suggest_threshold
        if cross_validation:
            shown = cross_validate(
                training_examples(knowledge),
                cross_validation,
                situations=is_situation,
                threshold=threshold,
            )
        else:
            assert file is not None
            model = build_embedded_classifier(settings, knowledge).model
            shown = evaluate(model, read_rasa_file(file), is_situation, threshold)
    _print_report(shown)


def _print_report(report: Report) -> None:
    console = Console()
    console.print(f"Точность (accuracy): {report.accuracy:.4f} на {report.total} примерах")
    table = Table("интент", "precision", "recall", "F1", "примеров")
    for row in report.per_intent:
        table.add_row(row.intent, f"{row.precision:.3f}", f"{row.recall:.3f}", f"{row.f1:.3f}",
                      str(row.support))  # fmt: skip
    console.print(table)
    confused = Table("ожидали", "получили", "раз")
    for expected, predicted, count in report.confused:
        confused.add_row(expected, predicted, str(count))
    console.print("Чаще всего путаются:")
    console.print(confused)
    console.print(
        f"Без ситуации: {100 * report.no_situation_share:.1f} % "
        f"({report.no_situation} из {report.about_situations})"
    )
    if report.no_situation_examples:
        lost = Table("ожидали", "получили", "уверенность", "текст")
        for expected, predicted, confidence, text in report.no_situation_examples:
            lost.add_row(expected, predicted, f"{confidence:.2f}", text)
        console.print(lost)


@nlu_app.command("export")
def export(out: Annotated[Path, typer.Argument(help="Файл .yml для обучения Rasa")]) -> None:
    """Все примеры (файлы nlu/data и примеры из ситуаций) одним файлом для `rasa train nlu`."""
    settings = load_settings()
    with friendly_errors():
        examples = training_examples(load_content(settings))
    document = {
        "version": "3.1",
        "nlu": [
            {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
            for intent, texts in sorted(examples.items())
        ],
    }
    with friendly_errors():
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        out.write_text(text, encoding="utf-8")
    typer.echo(f"Записано интентов: {len(examples)}, примеров: {sum(map(len, examples.values()))}")
