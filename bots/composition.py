"""The composition root: the only place that reads settings and wires real implementations."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.settings import Settings
from dialogs.dialogue import UnderstandingPolicy
from dialogs.engine import DialogEngine, EngineConfig
from knowledge_base import CONTENT_DIR
from knowledge_base.loader import load_knowledge_base
from nlu.keyword import KeywordClassifier
from nlu.training_data import training_examples
from storage.database import create_engine, session_factory
from storage.pseudonyms import Pseudonymizer, stored_secret
from storage.uow import SqlUnits


@dataclass
class Assistant:
    engine: DialogEngine
    database: AsyncEngine
    settings: Settings

    async def close(self) -> None:
        await self.database.dispose()


async def build_assistant(settings: Settings) -> Assistant:
    logging.basicConfig(level=settings.log_level.upper())
    knowledge = load_knowledge_base(settings.knowledge_base_path or CONTENT_DIR)
    classifier = KeywordClassifier(training_examples(knowledge))
    database = create_engine(settings.database_url)
    sessions = session_factory(database)
    if settings.pseudonym_secret is not None:
        secret = settings.pseudonym_secret.get_secret_value().encode()
    else:
        secret = await stored_secret(sessions, "pseudonym")
    config = EngineConfig(
        idle_timeout=dt.timedelta(minutes=settings.idle_survey_minutes),
        policy=UnderstandingPolicy(
            accept=settings.nlu_accept_threshold, suggest=settings.nlu_suggest_threshold
        ),
    )
    units = SqlUnits(sessions, Pseudonymizer(secret))
    return Assistant(DialogEngine(knowledge, classifier, units, config), database, settings)
