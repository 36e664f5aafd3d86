"""A YAML file with the position of every value, so a problem can say file:line:column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.validation_messages import field_path

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class SourceFile:
    label: str  # the path editors see, relative to the knowledge base
    data: Any
    node: yaml.Node | None

    def at(self, loc: Loc, message: str) -> str:
        """«situations/x.yml:12:5: steps[2].where: message» — the deepest position known."""
        line, column = self._position(loc)
        return f"{self.label}:{line}:{column}: {field_path(loc)}: {message}"

    def whole(self, message: str) -> str:
        return f"{self.label}:1:1: (весь файл): {message}"

    def _position(self, loc: Loc) -> tuple[int, int]:
        node = self.node
        if node is None:
            return 1, 1
        mark = node.start_mark
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
            mark = node.start_mark
        return mark.line + 1, mark.column + 1


def _child(node: yaml.Node, part: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                found: yaml.Node = value
                return found
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child: yaml.Node = node.value[part]
        return child
    return None


# What editors' tools leave beside the content: Emacs locks (``.#texts.yml``, often a dangling
# symlink) and autosaves (``#texts.yml#``), Vim swaps, backups, half-written temporaries.
_DEBRIS_START = (".", "#")
_DEBRIS_END = ("~", ".swp", ".tmp")


def is_content_file(path: Path, root: Path) -> bool:
    """A file the knowledge base is made of: not editor debris (nor inside a hidden folder,
    such as Kubernetes' ``..data``), and a link only when it points at a file."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    if any(part.startswith(_DEBRIS_START) for part in parts):
        return False
    return not path.name.endswith(_DEBRIS_END) and path.is_file()


def content_files(folder: Path, pattern: str, *, recursive: bool = False) -> list[Path]:
    """The content files matching ``pattern`` in ``folder`` (and below it, if recursive)."""
    found = folder.rglob(pattern) if recursive else folder.glob(pattern)
    return sorted(path for path in found if is_content_file(path, folder))


def read_source(root: Path, path: Path) -> tuple[SourceFile | None, str | None]:
    """The parsed file, or a problem naming the file, line and column."""
    label = _label(root, path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, f"{label}:1:1: файл не найден"
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{label}:1:1: файл не читается как текст UTF-8 ({exc})"
    try:
        node, data = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        return None, f"{label}:{where}: ошибка YAML ({getattr(exc, 'problem', exc)})"
    source = SourceFile(label, data, node)
    if not isinstance(data, dict):
        return None, source.whole("ожидается словарь полей, а файл пуст или это список")
    return source, None


# libyaml when present: the knowledge base is read at every start and every reload.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for positions) and the data built from it: the text is parsed once."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def _label(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
