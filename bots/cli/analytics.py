"""``lifebot export``, ``report``, ``forget`` and ``retention``: data out, and data erased."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from bots.cli.common import fail, friendly_errors, load_settings
from bots.runtime.composition import load_content, open_database, open_sessions, open_units
from bots.runtime.settings import Settings
from knowledge_base.model import Situation
from storage.analytics.exporters import FORMATS, open_writer
from storage.analytics.figures import compute
from storage.analytics.gaps import Gap, find_gaps
from storage.analytics.report_html import render
from storage.analytics.rows import Filters, count, stream_rows
from storage.retention import purge

Day = Annotated[str | None, typer.Option(help="ГГГГ-ММ-ДД")]


def _filters(
    since: str | None, until: str | None, channel: str | None = None, situation: str | None = None
) -> Filters:
    def day(text: str | None, option: str, shift: int = 0) -> dt.datetime | None:
        if text is None:
            return None
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
        except ValueError:
            fail(f"{option}: ожидается дата ГГГГ-ММ-ДД, а не «{text}»")
        return start + dt.timedelta(days=shift)

    # --until is inclusive: the whole day counts.
    return Filters(day(since, "--since"), day(until, "--until", 1), channel, situation)


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    report_app = typer.Typer(help="Отчёт об удовлетворённости и пробелы базы знаний")
    report_app.callback(invoke_without_command=True)(report)
    report_app.command("gaps")(gaps)
    app.add_typer(report_app, name="report")
    app.command("forget")(forget)
    app.command("retention")(retention)


def export(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Файл: .csv .xlsx .parquet .jsonl")
    ],
    format: Annotated[str | None, typer.Option(help="csv, xlsx, parquet или jsonl")] = None,
    bom: Annotated[bool, typer.Option(help="CSV с BOM: Excel откроет кириллицу верно")] = False,
    since: Day = None,
    until: Day = None,
    channel: Annotated[str | None, typer.Option(help="telegram, vk, console")] = None,
    situation: Annotated[
        str | None, typer.Option(help="код ситуации, например child_birth")
    ] = None,
) -> None:
    """Одна строка на разговор: метрики и ответы на опрос, без сырых id граждан."""
    kind = (format or output.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        fail(f"Ошибка: формат «{kind}» не поддерживается; доступны: {', '.join(FORMATS)}")
    settings = load_settings()
    filters = _filters(since, until, channel, situation)
    with friendly_errors():
        written = asyncio.run(_export(settings, output, kind, bom, filters))
    typer.echo(f"Выгружено разговоров: {written} → {output}", err=True)


async def _export(settings: Settings, output: Path, kind: str, bom: bool, filters: Filters) -> int:
    writer = open_writer(output, kind, bom=bom)
    written = 0
    try:
        async with open_database(settings) as engine:
            with _progress(await count(engine, filters)) as advance:
                async for batch in stream_rows(engine, filters):
                    writer.write(batch)
                    written += len(batch)
                    advance(len(batch))
    finally:
        writer.close()
    return written


class _progress:
    """A progress bar on a terminal; silence in a pipe or a scheduled job."""

    def __init__(self, total: int) -> None:
        self._bar = Progress(BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        self._task = self._bar.add_task("export", total=total)
        self._shown = sys.stderr.isatty()

    def __enter__(self) -> Callable[[int], None]:
        if self._shown:
            self._bar.start()
        return lambda n: self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._shown:
            self._bar.stop()


def report(
    context: typer.Context,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Файл .html")] = None,
    since: Day = None,
    until: Day = None,
) -> None:
    """Отчёт одним HTML-файлом: открывается без интернета в любом браузере.

    `lifebot report gaps` — чего не хватает в базе знаний."""
    if context.invoked_subcommand is not None:
        return
    if output is None:
        fail("Укажите файл отчёта: lifebot report -o report.html (или lifebot report gaps)")
    settings = load_settings()
    filters = _filters(since, until)
    with friendly_errors():
        titles = {s.id: s.title for s in _situations(settings)}
        html = asyncio.run(
            _report(settings, filters, titles, since or "начала", until or "сегодня")
        )
        output.write_text(html, encoding="utf-8")
    typer.echo(f"Отчёт записан: {output}", err=True)


def gaps(
    since: Day = None,
    until: Day = None,
    channel: Annotated[str | None, typer.Option(help="telegram, vk или console")] = None,
    top: Annotated[int, typer.Option(help="Сколько групп показать на ситуацию", min=1)] = 10,
) -> None:
    """Что дописать в базу знаний: непонятые сообщения и вопросы без ответа по ситуациям."""
    settings = load_settings()
    filters = _filters(since, until, channel)
    with friendly_errors():
        titles = {s.id: s.title for s in _situations(settings)}
        found = asyncio.run(_gaps(settings, filters, top))
    console = Console()
    if not found:
        console.print("Пробелов не найдено: все сообщения поняты, на вопросы есть ответы.")
    for situation, items in sorted(found.items(), key=lambda kv: -sum(g.count for g in kv[1])):
        title = titles.get(situation or "", situation) if situation else "Вне ситуации"
        table = Table("раз", "что", "сообщение (личные данные скрыты)", "похожие", title=title)
        for gap in items:
            kind = "вопрос без ответа" if gap.kind == "unanswered" else "не понято"
            table.add_row(str(gap.count), kind, gap.text, "; ".join(gap.variants))
        console.print(table)


async def _gaps(settings: Settings, filters: Filters, top: int) -> dict[str | None, list[Gap]]:
    async with open_database(settings) as engine:
        return await find_gaps(engine, filters, top)


def _situations(settings: Settings) -> list[Situation]:
    content = load_content(settings)
    return [s for c in content.categories for s in content.situations_in(c.id)]


async def _report(
    settings: Settings, filters: Filters, titles: dict[str, str], since: str, until: str
) -> str:
    async with open_database(settings) as engine:
        figures = await compute(engine, filters)
    return render(figures, titles, since, until)


def forget(
    channel: Annotated[str, typer.Option(help="telegram, vk или console")],
    user: Annotated[str, typer.Option(help="id гражданина в этом канале")],
) -> None:
    """Удалить сообщения гражданина и отвязать от него ответы (статистика остаётся)."""
    settings = load_settings()
    with friendly_errors():
        deleted = asyncio.run(_forget(settings, channel, user))
    typer.echo(f"Удалено сообщений: {deleted}; ответы отвязаны от гражданина.")


async def _forget(settings: Settings, channel: str, user: str) -> int:
    async with open_units(settings) as units, units() as uow:
        deleted = await uow.recorder.forget_citizen(channel, user)
        await uow.sessions.forget(f"{channel}:{user}")
        await uow.commit()
    return deleted


def retention() -> None:
    """Удалить тексты сообщений старше MESSAGE_RETENTION_DAYS дней."""
    settings = load_settings()
    if settings.message_retention_days is None:
        fail("Ошибка: срок хранения не задан: укажите MESSAGE_RETENTION_DAYS")
    with friendly_errors():
        deleted = asyncio.run(_retention(settings))
    typer.echo(f"Удалено сообщений старше {settings.message_retention_days} дн.: {deleted}")


async def _retention(settings: Settings) -> int:
    async with open_sessions(settings) as sessions:
        return await purge(sessions, dt.datetime.now(dt.UTC), settings.message_retention_days)
