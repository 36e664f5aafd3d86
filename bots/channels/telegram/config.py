"""What the Telegram channel needs to know: the token, and a webhook or long polling.

Plain data without the messenger's framework: the runtime builds it from the settings and checks
it before anything slow starts."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str  # the public HTTPS address Telegram posts to
    secret: SecretStr  # checked in X-Telegram-Bot-Api-Secret-Token
    host: str
    port: int
    path: str


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: SecretStr
    api_url: str | None = None  # another Bot API server (self-hosted, or a fake)
    webhook: Webhook | None = None  # None: long polling
