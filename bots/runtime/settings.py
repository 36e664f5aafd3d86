"""All settings, from the environment (or a .env file). Loaded only in the composition root.

Each is checked as it is read, before anything slow starts; a wrong value is explained in one
Russian line (``PydanticCustomError``: the message is shown as written, with no English prefix).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SECRET_MIN_BYTES = 16  # an HMAC key shorter than this is guessable


class Settings(BaseSettings):
    # Empty values count as unset, so that a copied .env.example with blanks means defaults.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///lifebot.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://…",
    )
    knowledge_base_path: Path | None = Field(
        default=None, description="Folder with texts.yml, categories.yml and situations/"
    )
    idle_survey_minutes: float = Field(
        default=15, gt=0, description="Minutes of silence after which the survey is sent"
    )
    idle_check_seconds: float = Field(
        default=30, gt=0, description="How often idle conversations are looked for"
    )
    pseudonym_secret: SecretStr | None = Field(
        default=None,
        description="Key for pseudonymous citizen ids; if unset, generated and kept in the DB",
    )
    nlu_backend: Literal["embedded", "rasa"] = Field(
        default="embedded", description="embedded (no server) or rasa (RASA_URL)"
    )
    rasa_url: str | None = Field(default=None, description="Rasa server, e.g. http://rasa:5005")
    rasa_timeout_seconds: float = Field(default=0.5, gt=0)
    nlu_cache_dir: Path | None = Field(
        default=None, description="Where trained NLU models are cached; ~/.cache/lifebot if unset"
    )
    nlu_accept_threshold: float = Field(default=0.55, ge=0, le=1)
    nlu_suggest_threshold: float = Field(default=0.25, ge=0, le=1)
    nlu_switch_threshold: float = Field(
        default=0.7, ge=0, le=1, description="Leave the citizen's situation only this sure"
    )
    timezone: str = Field(
        default="Europe/Moscow",
        description="Where «вчера» is counted for a citizen whose region is not known",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import available_timezones

        if value not in available_timezones():
            raise PydanticCustomError(
                "timezone", "неизвестный часовой пояс «{value}»; пример: Europe/Moscow",
                {"value": value},
            )  # fmt: skip
        return value

    @field_validator("pseudonym_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < SECRET_MIN_BYTES:
            raise PydanticCustomError(
                "secret_too_short",
                "секрет должен быть не короче {minimum} байт; создайте его, например, "
                "командой openssl rand -hex 32",
                {"minimum": SECRET_MIN_BYTES},
            )
        return value

    redis_url: str | None = Field(
        default=None,
        description="Redis for conversation state and flood control shared by replicas",
    )
    flood_rate: float = Field(
        default=2.0, gt=0, description="Messages per second a citizen may send"
    )
    flood_burst: int = Field(default=6, ge=1, description="How many may come at once")
    telegram_bot_token: SecretStr | None = Field(default=None, description="From @BotFather")
    telegram_api_url: str | None = Field(
        default=None, description="Another Bot API server, e.g. http://127.0.0.1:8081"
    )
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS address of the webhook; unset: long polling"
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="Checked in X-Telegram-Bot-Api-Secret-Token"
    )
    webhook_host: str = Field(default="0.0.0.0", description="Where the webhook server listens")
    webhook_port: int = Field(default=8080, description="Port of the webhook server")
    webhook_path: str = Field(default="/telegram/webhook", description="Path that takes updates")
    vk_group_token: SecretStr | None = Field(default=None, description="Community access token")
    vk_group_id: int | None = Field(default=None, description="Community id (found if unset)")
    vk_api_url: str | None = Field(
        default=None, description="Another VK API server, e.g. http://127.0.0.1:8082/method/"
    )
    vk_callback_confirmation: str | None = Field(
        default=None, description="Callback API confirmation string; unset: Bots Long Poll"
    )
    vk_callback_secret: SecretStr | None = Field(
        default=None, description="Callback API secret key; events without it are rejected"
    )
    vk_callback_host: str = Field(default="0.0.0.0", description="Callback API server address")
    vk_callback_port: int = Field(default=8081, description="Callback API server port")
    vk_callback_path: str = Field(default="/vk/callback", description="Callback API path")
    message_retention_days: int | None = Field(
        default=None, ge=1, description="Delete message texts older than this many days"
    )
    health_port: int = Field(
        default=8090, description="Port of /healthz, /readyz and /metrics in every bot process"
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one object a line with the conversation id"
    )
    shutdown_grace_seconds: float = Field(
        default=30, gt=0, description="How long SIGTERM waits for updates in flight"
    )
    delivery_retry_seconds: float = Field(
        default=120,
        gt=0,
        description="A proactive message claimed but not confirmed this long ago is sent again",
    )
    max_concurrent_turns: int = Field(
        default=15,
        ge=1,
        description="Turns at once (the database pool's size); beyond it a webhook gets 503",
    )
    log_level: str = Field(default="WARNING", description="DEBUG, INFO, WARNING or ERROR")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise PydanticCustomError(
                "log_level", "неизвестный уровень «{value}»; допустимы: {known}",
                {"value": value, "known": ", ".join(LOG_LEVELS)},
            )  # fmt: skip
        return level
