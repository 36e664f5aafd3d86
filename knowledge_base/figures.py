"""Figures that change every year (allowances, fees, ages), kept once with year and source.

A situation file names a figure as ``{{lump_sum_birth}}`` in any of its texts; the loader puts
in the figure's value, so a new year's amount is changed in one place. ``kb lint`` warns when a
figure's year is behind the current one or its review is old.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from knowledge_base.model import Figure, Figures
from knowledge_base.source import SourceFile, content_files

REFERENCE = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
Loc = tuple[int | str, ...]


def figure_files(root: Path) -> list[Path]:
    """The figure files, without an editor's lock or backup files beside them."""
    return content_files(root / "figures", "*.yml")


def merge(parsed: list[tuple[SourceFile, Figures]], found: list[str]) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    first: dict[str, str] = {}
    for source, part in parsed:
        for name, figure in part.figures.items():
            if name in figures:
                found.append(
                    source.at(("figures", name), f"величина «{name}» уже есть в {first[name]}")
                )
                continue
            figures[name], first[name] = figure, source.label
    return figures


def substitute(
    data: Any, figures: Mapping[str, Figure], source: SourceFile, found: list[str], loc: Loc = ()
) -> Any:
    """The data with every ``{{name}}`` replaced by its value; unknown names are reported."""
    if isinstance(data, dict):
        return {k: substitute(v, figures, source, found, (*loc, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [substitute(v, figures, source, found, (*loc, i)) for i, v in enumerate(data)]
    if not isinstance(data, str) or "{{" not in data:
        return data

    def value(match: re.Match[str]) -> str:
        figure = figures.get(match[1])
        if figure is None:
            found.append(
                source.at(loc, f"нет величины «{match[1]}» в папке figures — проверьте код")
            )
            return match[0]
        return figure.value

    return REFERENCE.sub(value, data)
