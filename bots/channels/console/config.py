"""Who is typing, and where: the terminal, or the files a test gives.

Plain data without the messenger's framework: the runtime builds it from the settings and checks
it before anything slow starts."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    user: str = "local"  # whose conversation to continue
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
