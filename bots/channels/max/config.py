"""What the MAX channel needs to know: the bot token, a webhook or long polling, and whom to
trust for TLS.

Plain data without the messenger's framework: the runtime builds it from the settings and checks
it before anything slow starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr


@dataclass(frozen=True, slots=True)
class MaxWebhook:
    url: str  # the public HTTPS address MAX posts to (port 443 only)
    secret: SecretStr  # checked in X-Max-Bot-Api-Secret
    host: str
    port: int
    path: str


@dataclass(frozen=True, slots=True)
class MaxConfig:
    token: SecretStr
    api_url: str | None = None  # another MAX Bot API server (a proxy, the tests' fake)
    webhook: MaxWebhook | None = None  # None: long polling (MAX says: for development)
    ca_bundle: Path | None = None  # None: the Russian Trusted Root CA that maxapi bundles
    per_second: int = 30  # requests to MAX's Bot API a second (MAX's limit)
    chat_gap: float = 0.5  # seconds between two messages into one chat
