"""What every content model shares: frozen models that refuse unknown fields, codes, texts."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# 28 characters at most: button payloads carry two ids and Telegram allows 64 bytes.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,27}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ButtonLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
