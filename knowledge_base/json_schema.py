"""The JSON Schema editors' tools read: generated from the pydantic models, in Russian."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from knowledge_base import CONTENT_DIR
from knowledge_base.model import Situation

SCHEMA_FILE = CONTENT_DIR / "schema.json"
MODELINE = "# yaml-language-server: $schema=../schema.json"


def situation_schema() -> dict[str, Any]:
    schema = Situation.model_json_schema()
    schema["title"] = "Жизненная ситуация"
    schema["description"] = (
        "Файл ситуации базы знаний: вопросы гражданину и шаги личного плана. "
        "Подробно — в knowledge_base/README.md."
    )
    return schema


def schema_text() -> str:
    return json.dumps(situation_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> Path:
    path.write_text(schema_text(), encoding="utf-8")
    return path
