"""Rasa as a backend: its answers are used; when it is down or slow nobody notices."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from bots.testing.rasa_server import FakeRasa
from dialogs.engine import DialogEngine
from dialogs.memory import MemoryDatabase
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from nlu.rasa import RasaClassifier
from tests.chat import Chat


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    server = FakeRasa()
    await server.start()
    yield server
    await server.stop()


async def test_rasa_answers_are_used(rasa: FakeRasa, classifier: EmbeddedClassifier) -> None:
    client = RasaClassifier(rasa.url, classifier, timeout=1)
    result = await client.classify("вчера сыграли свадьбу")
    await client.close()
    assert rasa.requests == ["вчера сыграли свадьбу"]
    assert [(s.intent, s.confidence) for s in result.ranking][:2] == [
        ("marriage", 0.91),
        ("divorce", 0.06),
    ]
    assert [(e.entity, e.value) for e in result.entities] == [("date", "2026-03-09")]
    assert client.fallbacks == 0


async def test_rasa_down_falls_back_logs_once_and_retries_later(
    rasa: FakeRasa, classifier: EmbeddedClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    client = RasaClassifier(rasa.url, classifier, timeout=0.5, retry_after=0.3)
    await rasa.stop()
    with caplog.at_level(logging.WARNING, logger="lifebot.nlu.rasa"):
        first = await client.classify("сократили на заводе")
        second = await client.classify("хочу развестись")
    assert first.top is not None
    assert first.top.intent == "job_loss"  # the embedded model answered
    assert second.top is not None
    assert second.top.intent == "divorce"
    assert client.fallbacks == 2
    assert len([r for r in caplog.records if "unavailable" in r.message]) == 1

    await rasa.start()
    await asyncio.sleep(0.35)  # past retry_after: Rasa is asked again
    again = await client.classify("сократили на заводе")
    await client.close()
    assert again.top is not None
    assert again.top.intent == "marriage"
    assert rasa.requests == ["сократили на заводе"]


async def test_a_slow_rasa_is_not_waited_for(
    rasa: FakeRasa, classifier: EmbeddedClassifier
) -> None:
    rasa.delay = 2.0
    client = RasaClassifier(rasa.url, classifier, timeout=0.2, retry_after=60)
    result = await client.classify("потерял права")
    await client.close()
    assert result.top is not None
    assert result.top.intent == "lost_documents"  # not Rasa's late «marriage»
    assert client.fallbacks == 1


async def test_the_citizen_never_notices_rasa_is_down(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, memory: MemoryDatabase
) -> None:
    client = RasaClassifier("http://127.0.0.1:9", classifier, timeout=0.3)
    chat = Chat(DialogEngine(kb, client, memory.units))
    await chat.say("у нас родился ребёнок")
    await client.close()
    assert "Когда родился ребёнок?" in chat.text
