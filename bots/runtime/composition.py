"""The composition root: the only place that reads settings and wires real implementations."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bots.runtime.observability import Metrics, configure_logging
from bots.runtime.reload import KnowledgeReloader
from bots.runtime.settings import Settings
from bots.shared.flood import FloodControl, MemoryFloodControl
from dialogs.dialogue import UnderstandingPolicy
from dialogs.engine import DialogEngine, EngineConfig
from dialogs.handoff import HandoffPolicy
from dialogs.memory import MemoryDatabase
from dialogs.office import OfficeHours, parse_days, parse_hours
from dialogs.ports import IntentClassifier, KnowledgeBase
from dialogs.reminders import ReminderPolicy, parse_offsets, parse_quiet
from knowledge_base import CONTENT_DIR
from knowledge_base.errors import ClassifierError, ConfigurationError
from knowledge_base.loader import load_knowledge_base
from nlu.embedded import EmbeddedClassifier, load_or_train
from nlu.entities import EntitiesOnly, EntityExtractor
from nlu.training_data import DATA_DIR, training_examples
from storage.database import create_engine, session_factory, warm
from storage.pseudonyms import Pseudonymizer, stored_secret
from storage.uow import SqlUnits

REDIS_TIMEOUT = 1.0  # seconds: flood control and VK screens are conveniences, never a wait


class Closable(Protocol):
    async def close(self) -> None: ...


@dataclass
class Assistant:
    engine: DialogEngine
    database: AsyncEngine
    settings: Settings
    flood: FloodControl
    closers: list[Closable] = field(default_factory=list)
    redis: Any = None  # the shared Redis client, when REDIS_URL is set
    classifier: IntentClassifier | None = None
    metrics: Metrics = field(default_factory=Metrics)

    def reloader(self) -> KnowledgeReloader:
        """Live reload of this assistant's knowledge base and NLU."""
        settings, current = self.settings, self.classifier

        def build() -> tuple[KnowledgeBase, IntentClassifier]:
            knowledge = load_content(settings)
            embedded = build_embedded_classifier(settings, knowledge)
            with_fallback = getattr(current, "with_fallback", None)
            return knowledge, with_fallback(embedded) if with_fallback else embedded

        folders = [settings.knowledge_base_path or CONTENT_DIR, DATA_DIR]
        return KnowledgeReloader(self.engine, build, folders)

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[None]]]:
        """What /readyz asks: the database, Redis (when used) and the NLU."""

        async def database() -> None:
            async with self.database.connect() as connection:
                await connection.execute(text("SELECT 1"))

        async def nlu() -> None:
            if (
                self.classifier is not None
                and not (await self.classifier.classify("привет")).ranking
            ):
                raise ClassifierError("the classifier knows no intent")

        checks: dict[str, Callable[[], Awaitable[None]]] = {"database": database, "nlu": nlu}
        if self.redis is not None:
            redis = self.redis

            async def ping() -> None:
                await redis.ping()

            checks["redis"] = ping
        return checks

    async def close(self) -> None:
        for closer in self.closers:
            await closer.close()
        await self.database.dispose()


def nlu_cache_dir(settings: Settings) -> Path:
    return settings.nlu_cache_dir or Path.home() / ".cache" / "lifebot"


def build_embedded_classifier(settings: Settings, knowledge: KnowledgeBase) -> EmbeddedClassifier:
    model = load_or_train(training_examples(knowledge), nlu_cache_dir(settings))
    return EmbeddedClassifier(model, EntityExtractor.from_rasa_data())


def build_classifier(
    settings: Settings, knowledge: KnowledgeBase, metrics: Metrics | None = None
) -> tuple[IntentClassifier, list[Closable]]:
    """The configured classifier, and what must be closed with it."""
    embedded = build_embedded_classifier(settings, knowledge)
    if settings.nlu_backend == "embedded":
        return embedded, []
    if not settings.rasa_url:
        raise ConfigurationError("NLU_BACKEND=rasa: укажите адрес сервера в RASA_URL")
    try:
        from nlu.rasa import RasaClassifier
    except ImportError as error:
        raise ConfigurationError(
            "NLU_BACKEND=rasa: установите дополнение: pip install 'lifebot[rasa]'"
        ) from error
    hook = metrics.nlu_fell_back if metrics is not None else None
    rasa = RasaClassifier(
        settings.rasa_url, embedded, timeout=settings.rasa_timeout_seconds, on_fallback=hook
    )
    return rasa, [rasa]


def load_content(settings: Settings) -> KnowledgeBase:
    return load_knowledge_base(settings.knowledge_base_path or CONTENT_DIR)


def _with_redis(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    pseudonymizer: Pseudonymizer,
    closers: list[Closable],
) -> tuple[Any, FloodControl, SqlUnits]:
    """Flood control (and VK's screens) in Redis, shared by every replica (the ``redis``
    extra). Conversation state stays in SQL, in the turn's own transaction: a turn is kept
    whole or not at all, whatever Redis does."""
    try:
        from redis.asyncio import Redis

        from bots.shared.flood_redis import RedisFloodControl
    except ImportError as error:
        raise ConfigurationError(
            "REDIS_URL задан: установите дополнение: pip install 'lifebot[redis]'"
        ) from error
    # A paused Redis must not hold a turn: every call gives up after a second (flood control
    # then admits, VK screens use this replica's memory).
    redis = Redis.from_url(settings.redis_url or "", socket_timeout=REDIS_TIMEOUT,
                           socket_connect_timeout=REDIS_TIMEOUT)  # fmt: skip
    closers.append(redis)
    flood = RedisFloodControl(redis, settings.flood_rate, settings.flood_burst)
    return redis, flood, SqlUnits(sessions, pseudonymizer)


async def pseudonymizer(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> Pseudonymizer:
    """The configured secret, or the one generated once and kept in the database."""
    if settings.pseudonym_secret is not None:
        return Pseudonymizer(settings.pseudonym_secret.get_secret_value().encode())
    return Pseudonymizer(await stored_secret(sessions, "pseudonym"))


def secrets_of(settings: Settings) -> list[str]:
    """Values that must never reach a log line."""
    values = [
        settings.telegram_bot_token, settings.webhook_secret, settings.vk_group_token,
        settings.vk_callback_secret, settings.pseudonym_secret,
    ]  # fmt: skip
    return [v.get_secret_value() for v in values if v is not None]


def configure(settings: Settings) -> None:
    """Logging as the settings say, secrets redacted: first, so that every later line obeys."""
    configure_logging(settings.log_level, settings.log_format == "json", secrets_of(settings))


ANALYSIS_SECONDS = 3600.0


async def build_assistant(settings: Settings, metrics: Metrics | None = None) -> Assistant:
    """The quick parts first (the database, the pseudonym key, Redis: a wrong address or a
    missing extra fails at once), then the slow ones (the knowledge base, the NLU) off the
    event loop, so that the health server answers meanwhile."""
    metrics = metrics or Metrics()
    # One connection a turn: the pool is as large as the turns the edge lets run at once.
    turns = settings.max_concurrent_turns
    database = create_engine(settings.database_url, pool_size=turns, max_overflow=2)
    closers: list[Closable] = []
    try:
        redis, flood, units = await _state(settings, session_factory(database), closers)
        understood, _ = await asyncio.gather(
            asyncio.to_thread(_understanding, settings, metrics), warm(database, turns)
        )  # the pool opens while the knowledge base and the NLU load
        knowledge, (classifier, closing) = understood
    except BaseException:
        for closer in closers:
            await closer.close()
        await database.dispose()
        raise
    closers[:0] = closing  # the classifier closes before the connections it may use
    config = EngineConfig(
        idle_timeout=dt.timedelta(minutes=settings.idle_survey_minutes),
        policy=UnderstandingPolicy(
            accept=settings.nlu_accept_threshold,
            suggest=settings.nlu_suggest_threshold,
            switch=settings.nlu_switch_threshold,
        ),
        timezone=settings.timezone,
        clock=lambda: dt.datetime.now(dt.UTC),
        delivery_lease=dt.timedelta(seconds=settings.delivery_retry_seconds),
        handoff=handoff_policy(settings),
        reminders=reminder_policy(settings),
    )
    engine = DialogEngine(knowledge, classifier, units, config, observer=metrics)
    return Assistant(engine, database, settings, flood, closers, redis, classifier, metrics)


def office_hours(settings: Settings) -> OfficeHours:
    opens, closes = parse_hours(settings.office_hours)
    return OfficeHours(parse_days(settings.office_days), opens, closes, settings.timezone)


def reminder_policy(settings: Settings) -> ReminderPolicy:
    return ReminderPolicy(
        offsets_days=parse_offsets(settings.reminder_offsets_days),
        hour=settings.reminder_hour,
        quiet=parse_quiet(settings.quiet_hours),
        checkin_days_after=settings.checkin_days_after,
    )


def handoff_policy(settings: Settings) -> HandoffPolicy | None:
    """Operators at the desk (``lifebot run desk``), or None: the contact centre's phone."""
    return HandoffPolicy(office_hours(settings)) if settings.handoff else None


async def _state(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], closers: list[Closable]
) -> tuple[Any, FloodControl, SqlUnits]:
    """Where flood control lives: this process, or Redis. State is always in the database."""
    pseudonyms = await pseudonymizer(settings, sessions)
    if settings.redis_url:
        return _with_redis(settings, sessions, pseudonyms, closers)
    flood = MemoryFloodControl(settings.flood_rate, settings.flood_burst)
    return None, flood, SqlUnits(sessions, pseudonyms)


def _understanding(
    settings: Settings, metrics: Metrics
) -> tuple[KnowledgeBase, tuple[IntentClassifier, list[Closable]]]:
    """The slow part of the build: the knowledge base loaded, the NLU trained or loaded."""
    knowledge = load_content(settings)
    return knowledge, build_classifier(settings, knowledge, metrics)


def preview_engine(knowledge: KnowledgeBase) -> DialogEngine:
    """An engine in memory that reads dates but no intents: ``lifebot kb preview``."""
    return DialogEngine(knowledge, EntitiesOnly(), MemoryDatabase().units)


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The configured database for one command (export, report, retention), then closed.
    An analyst's query over a year of conversations may run long: no turn's time limit."""
    database = create_engine(settings.database_url, statement_timeout=ANALYSIS_SECONDS)
    try:
        yield database
    finally:
        await database.dispose()


@asynccontextmanager
async def open_sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with open_database(settings) as database:
        yield session_factory(database)


@asynccontextmanager
async def open_units(settings: Settings) -> AsyncIterator[SqlUnits]:
    """Units of work on the configured database, with the instance's pseudonyms."""
    async with open_sessions(settings) as sessions:
        yield SqlUnits(sessions, await pseudonymizer(settings, sessions))
