"""All settings, from the environment (or a .env file). Loaded only in the composition root.

Each is checked as it is read, before anything slow starts; a wrong value is explained in one
Russian line (``PydanticCustomError``: the message is shown as written, with no English prefix).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SECRET_MIN_BYTES = 16  # an HMAC key shorter than this is guessable
MAX_SECRET = re.compile(r"[a-zA-Z0-9_-]{5,256}")  # what MAX accepts for a webhook secret


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
        description="Redis for flood control and VK screens shared by replicas",
    )
    allow_group_chats: bool = Field(
        default=False,
        description="Answer in group chats too (each button then works only for its citizen)",
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
    max_bot_token: SecretStr | None = Field(
        default=None, description="MAX bot token (business.max.ru → Чат-боты → Интеграция)"
    )
    max_api_url: str | None = Field(
        default=None, description="Another MAX Bot API server, e.g. http://127.0.0.1:8084"
    )
    max_webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS address (port 443) MAX posts to; unset: long polling",
    )
    max_webhook_secret: SecretStr | None = Field(
        default=None, description="5–256 of A–Z a–z 0–9 _ -; checked in X-Max-Bot-Api-Secret"
    )
    max_webhook_host: str = Field(default="0.0.0.0", description="Where the MAX webhook listens")
    max_webhook_port: int = Field(default=8083, description="Port of the MAX webhook server")
    max_webhook_path: str = Field(default="/max/webhook", description="Path that takes updates")
    max_ca_bundle: Path | None = Field(
        default=None,
        description="CA file to trust for MAX's TLS; unset: the Russian Trusted Root CA bundled",
    )
    max_requests_per_second: int = Field(
        default=30, gt=0, description="Requests a second to MAX's Bot API (MAX allows 30)"
    )
    max_chat_gap_seconds: float = Field(
        default=0.5, ge=0, description="Seconds between two messages into one MAX chat"
    )

    @field_validator("max_webhook_secret")
    @classmethod
    def _max_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not MAX_SECRET.fullmatch(value.get_secret_value()):
            raise PydanticCustomError(
                "max_secret",
                "секрет вебхука MAX — от 5 до 256 символов из латинских букв, цифр, «_» и «-»; "
                "создайте его, например, командой openssl rand -hex 32",
            )
        return value

    desk_host: str = Field(default="0.0.0.0", description="Where the operator desk listens")
    desk_port: int = Field(
        default=8095, description="Port of the operator desk (lifebot run desk)"
    )
    desk_secure_cookies: bool = Field(
        default=True, description="Desk session cookies only over HTTPS (off only for local tests)"
    )
    handoff: bool = Field(
        default=True,
        description="Who asks for a person gets an operator at the desk; off: a phone number",
    )
    office_days: str = Field(
        default="1-5", description="Days operators work, 1 = Monday: «1-5», «1-5,7»"
    )
    office_hours: str = Field(
        default="09:00-18:00", description="Hours operators work, in TIMEZONE: «09:00-18:00»"
    )

    @field_validator("office_days")
    @classmethod
    def _known_days(cls, value: str) -> str:
        from dialogs.office import parse_days

        try:
            parse_days(value)
        except ValueError:
            raise PydanticCustomError(
                "office_days", "дни работы — номера от 1 (пн) до 7 (вс): «1-5» или «1-5,7»"
            ) from None
        return value

    @field_validator("office_hours")
    @classmethod
    def _known_hours(cls, value: str) -> str:
        from dialogs.office import parse_hours

        try:
            parse_hours(value)
        except ValueError:
            raise PydanticCustomError(
                "office_hours", "часы работы — «09:00-18:00», начало раньше конца"
            ) from None
        return value

    reminder_offsets_days: str = Field(
        default="7,1", description="Days before a deadline a reminder comes: «7,1»"
    )
    reminder_hour: int = Field(
        default=10, ge=0, le=23, description="Hour of the citizen's day a reminder comes"
    )
    quiet_hours: str = Field(
        default="21-9", description="Hours nothing proactive is sent: «21-9»; «off»: none"
    )
    reminder_check_seconds: float = Field(
        default=60, gt=0, description="How often due reminders are looked for"
    )
    checkin_days_after: int = Field(
        default=3, ge=0, description="Days after the first deadline the check-in comes"
    )

    @field_validator("reminder_offsets_days")
    @classmethod
    def _known_offsets(cls, value: str) -> str:
        from dialogs.reminders import parse_offsets

        try:
            parse_offsets(value)
        except ValueError:
            raise PydanticCustomError(
                "reminder_offsets", "дни напоминаний — целые числа через запятую: «7,1»"
            ) from None
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _known_quiet(cls, value: str) -> str:
        from dialogs.reminders import parse_quiet

        try:
            parse_quiet(value)
        except ValueError:
            raise PydanticCustomError(
                "quiet_hours", "тихие часы — «21-9» (с 21 до 9) или «off», если их нет"
            ) from None
        return value

    outbox_check_seconds: float = Field(
        default=2.0, gt=0, description="How often operator replies and surveys are sent out"
    )
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
