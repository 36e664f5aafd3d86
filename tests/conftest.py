from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bots.testing.telegram_api import FakeTelegram
from dialogs.engine import DialogEngine, EngineConfig
from dialogs.memory import MemoryDatabase
from knowledge_base.loader import load_knowledge_base
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier, load_or_train
from nlu.entities import EntityExtractor
from nlu.model import IntentModel
from nlu.training_data import training_examples
from storage import models
from storage.database import create_engine, session_factory
from storage.migrate import upgrade
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.chat import START, Chat

SECRET = b"test-secret-for-pseudonyms-0123456789"
IDLE = dt.timedelta(minutes=15)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBaseContent:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def nlu_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-cache")


@pytest.fixture(scope="session")
def nlu_model(kb: KnowledgeBaseContent, nlu_cache_dir: Path) -> IntentModel:
    return load_or_train(training_examples(kb), nlu_cache_dir)


@pytest.fixture(scope="session")
def classifier(nlu_model: IntentModel) -> EmbeddedClassifier:
    return EmbeddedClassifier(
        nlu_model, EntityExtractor.from_rasa_data(), today=lambda: START.date()
    )


@pytest.fixture
def memory() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def memory_chat(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, memory: MemoryDatabase
) -> Chat:
    engine = DialogEngine(kb, classifier, memory.units, EngineConfig(idle_timeout=IDLE))
    return Chat(engine)


def _database_urls() -> list[pytest.param]:  # type: ignore[valid-type]
    urls = [pytest.param("sqlite", id="sqlite")]
    urls.append(pytest.param("postgresql", id="postgresql"))
    return urls


@pytest.fixture(scope="session")
def migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for the whole run; tests empty the tables."""
    urls = {"sqlite": f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"}
    if postgres := os.environ.get("TEST_DATABASE_URL"):
        urls["postgresql"] = postgres
    for url in urls.values():
        upgrade(url)
    return urls


@pytest.fixture(params=_database_urls())
def database_url(request: pytest.FixtureRequest, migrated_urls: dict[str, str]) -> str:
    backend = request.param
    if backend not in migrated_urls:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests need a server")
    return migrated_urls[backend]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await _empty(engine)
    yield engine
    await engine.dispose()


async def _empty(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(models.Base.metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest.fixture
def sessions(database: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(database)


@pytest.fixture
def sql_engine(
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    sessions: async_sessionmaker[AsyncSession],
) -> DialogEngine:
    units = SqlUnits(sessions, Pseudonymizer(SECRET))
    return DialogEngine(kb, classifier, units, EngineConfig(idle_timeout=IDLE))


@pytest.fixture
def sql_chat(sql_engine: DialogEngine) -> Chat:
    return Chat(sql_engine)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the knowledge base for tests that break it on purpose."""
    import shutil

    from knowledge_base import CONTENT_DIR

    target = tmp_path / "kb"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API on a loopback port."""
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()
