"""The floor bots of the ceiling benchmark do the assistant's I/O, all of it, once per update:
otherwise the benchmark's «io/bare» would flatter or slander the assistant."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bots.testing.bare_bots import bare_telegram_app
from bots.testing.io_floor import BUTTONS, QUESTION, FloorTurns
from bots.testing.local import free_port, serve_locally
from bots.testing.telegram_api import FakeTelegram, Updates

SECRET = "floor-secret"


@pytest.fixture
async def postgres() -> AsyncIterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: the floor runs on PostgreSQL")
    yield url
    cleaner = FloorTurns(url)  # not the project's tables: the migrations' own test must not
    await cleaner.open()  # meet them
    try:
        await cleaner.drop()
    finally:
        await cleaner.close()


async def test_a_turn_claims_an_update_once_and_keeps_the_state(postgres: str) -> None:
    turns = FloorTurns(postgres)
    await turns.open()
    try:
        assert await turns.turn("vk", "7:1", "7", "у меня родился сын")
        assert not await turns.turn("vk", "7:1", "7", "у меня родился сын")  # redelivered
        assert await turns.turn("vk", "7:2", "7", "какие документы нужны")
        assert await turns.state("vk", "7") == "какие документы нужны"
    finally:
        await turns.close()


async def test_the_telegram_floor_answers_with_the_assistants_two_messages(
    postgres: str, telegram: FakeTelegram
) -> None:
    port, path = free_port(), "/telegram/webhook"
    app = bare_telegram_app(telegram.token, telegram.url, SECRET, path, floor_of=postgres)
    runner = await serve_locally(app, port)
    try:
        async with aiohttp.ClientSession() as client:
            update = Updates().message(5550001, "у меня родился сын")
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with client.post(f"http://127.0.0.1:{port}{path}", json=update,
                                   headers=headers) as response:  # fmt: skip
                assert response.status == 200
    finally:
        await runner.cleanup()
    answer, question = telegram.sent(5550001)
    assert "reply_markup" not in answer
    assert question["text"] == QUESTION
    labels = [row[0]["text"] for row in telegram.last_keyboard(5550001)]
    assert labels == list(BUTTONS)
