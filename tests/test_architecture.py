"""The engine is pure: no channel framework and no SQL in ``dialogs``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import dialogs

FORBIDDEN = ("aiogram", "vkbottle", "sqlalchemy", "asyncpg", "aiosqlite", "aiohttp", "redis")


def test_dialogs_source_imports_no_framework() -> None:
    offenders = []
    for path in Path(dialogs.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_the_engine_loads_no_framework() -> None:
    code = (
        "import sys, dialogs.engine, dialogs.memory, knowledge_base.loader;"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_console_assistant_needs_no_optional_package() -> None:
    """`pip install .` without extras must run `lifebot chat`: no aiogram, redis, aiohttp."""
    code = (
        "import sys, bots.cli, bots.runtime.composition;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiogram', 'redis', 'aiohttp'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
