"""The layout holds: which room may import which, no cycle, a pure engine, an install without
extras that still chats."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import dialogs

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = (
    "aiogram",
    "vkbottle",
    "maxapi",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "aiohttp",
    "redis",
)
CHANNELS = (
    "bots.channels.telegram", "bots.channels.vk", "bots.channels.max", "bots.channels.console"
)  # fmt: skip
MODEL = {"knowledge_base.errors", "knowledge_base.model"}
ENGINE = {"dialogs", *MODEL}
SHARED = {"bots.shared", *ENGINE}
# The runtime knows a channel by its config; the channel itself is imported by name.
CONFIGS = {f"{channel}.config" for channel in CHANNELS}
RUNTIME = {"bots.channels.contract", *CONFIGS, *SHARED, "knowledge_base", "nlu", "storage"}

# Who may import whom (first-party only). The bottom two import nothing of the project.
ALLOWED: dict[str, set[str]] = {
    "knowledge_base.errors": set(),
    "knowledge_base.model": set(),
    # How content files are found and read: shared by the loader and the NLU's training data.
    "knowledge_base.validation_messages": set(),
    "knowledge_base.source": {"knowledge_base.validation_messages"},
    "knowledge_base": MODEL,
    "dialogs": MODEL,
    "nlu": {*ENGINE, "knowledge_base.source", "knowledge_base.validation_messages"},
    "storage": ENGINE,
    "bots.shared": ENGINE,
    "bots.channels.contract": SHARED,
    **{channel: {"bots.channels.contract", *SHARED} for channel in CHANNELS},
    "bots.runtime": RUNTIME,
    # The operators' desk: a web app on the engine's desk service and the storage it shares.
    "bots.desk": {"bots.runtime", *SHARED, "knowledge_base", "storage"},
    "bots.cli": {"bots.runtime", "bots.desk", *SHARED, "knowledge_base", "nlu", "storage"},
    "bots.testing": {*CHANNELS, *SHARED},
    # levers.py measures a channel's parts (its Bot API session, its «typing…») one by one.
    "benchmarks": {"bots.testing", *CHANNELS, *ENGINE, "knowledge_base", "nlu", "storage"},
}
# Nothing may import tests/: what tests and benchmarks share lives in bots/testing/.
ROOMS = sorted({*ALLOWED, *CHANNELS, *CONFIGS, "tests"}, key=len, reverse=True)
# Building engines, databases and classifiers is the composition root's (bots/runtime) alone.
WIRING = ("storage.database", "storage.uow", "dialogs.engine", "dialogs.memory", "nlu.embedded")


def _room(module: str) -> str | None:
    return next((r for r in ROOMS if module == r or module.startswith(r + ".")), None)


def _imports() -> dict[str, set[str]]:
    """Module → first-party modules it imports (``from a import b`` counts ``a.b`` too)."""
    found: dict[str, set[str]] = defaultdict(set)
    for top in ("bots", "dialogs", "knowledge_base", "nlu", "storage", "benchmarks"):
        for path in (ROOT / top).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found[module] |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found[module] |= {
                        node.module,
                        *(f"{node.module}.{a.name}" for a in node.names),
                    }
    return found


def _room_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, imported in _imports().items():
        source = _room(module)
        for name in imported:
            target = _room(name)
            if source and target and target != source and not target.startswith(source + "."):
                edges[source].add(target)
    return edges


def _within(module: str, rooms: set[str]) -> bool:
    return any(module == room or module.startswith(room + ".") for room in rooms)


def test_every_room_imports_only_what_it_may() -> None:
    offences = []
    for source, targets in _room_edges().items():
        owner = next(r for r in sorted(ALLOWED, key=len, reverse=True) if _within(source, {r}))
        offences += [f"{source} → {t}" for t in sorted(targets) if not _within(t, ALLOWED[owner])]
    assert offences == []


def test_no_package_depends_on_itself_through_others() -> None:
    graph = {room: set(targets) for room, targets in _room_edges().items()}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a cycle


def test_the_cli_calls_the_composition_root_and_wires_nothing() -> None:
    wiring = [
        f"{module}: {name}"
        for module, imported in _imports().items()
        if module.startswith("bots.cli")
        for name in imported
        if name.startswith(WIRING)
    ]
    assert wiring == []


def test_a_channel_never_reaches_into_another() -> None:
    edges = _room_edges()
    crossing = [(c, t) for c in CHANNELS for t in edges.get(c, ()) if t.startswith(CHANNELS)]
    assert crossing == []


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
        "import sys, bots.cli, bots.runtime.composition, bots.runtime.launch,"
        " bots.channels.console.channel;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiogram', 'redis', 'aiohttp'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_readme_layout_is_the_tree() -> None:
    """Every folder of code is in the README's layout table, and every folder there exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    listed = {
        line.split("`")[1].rstrip("/") for line in layout.splitlines() if line.startswith("| `")
    }
    code = {
        str(path.parent.relative_to(ROOT))
        for top in ("bots", "dialogs", "knowledge_base", "nlu", "storage")
        for path in (ROOT / top).rglob("*.py")
        if "versions" not in path.parts  # the migrations' own folder, named by Alembic
    }
    assert sorted(code - listed) == []
    assert sorted(p for p in listed if not (ROOT / p).exists()) == []
