"""Forged and broken requests to the webhooks get a 4xx and nothing is handled or logged of
their content; never a 500 with a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest

from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.telegram_bot import PATH as TELEGRAM_PATH
from bots.testing.telegram_bot import SECRET as TELEGRAM_SECRET
from bots.testing.telegram_bot import BotProcess
from bots.testing.vk_api import GROUP, Events, FakeVk
from bots.testing.vk_bot import SECRET as VK_SECRET
from bots.testing.vk_bot import VkProcess
from dialogs.engine import DialogEngine

USER = 31337


@pytest.fixture
async def telegram_bot(sql_engine: DialogEngine) -> AsyncIterator[BotProcess]:
    fake = FakeTelegram()
    await fake.start()
    process = BotProcess(sql_engine, fake)
    await process.start()
    yield process
    await process.stop()
    await fake.stop()


@pytest.fixture
async def vk_bot(sql_engine: DialogEngine) -> AsyncIterator[VkProcess]:
    fake = FakeVk()
    await fake.start()
    process = VkProcess(sql_engine, fake)
    await process.start()
    yield process
    await process.stop()
    await fake.stop()


async def _raw_post(port: int, path: str, body: bytes, headers: dict[str, bytes]) -> int:
    """A request as a forger writes it: header bytes the way they want (non-ASCII included)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    lines = [f"{head}Content-Type: application/json".encode(), b"Content-Length: %d" % len(body)]
    lines += [name.encode() + b": " + value for name, value in headers.items()]
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    await writer.wait_closed()
    return status


async def test_telegram_refuses_a_non_ascii_secret_with_401(telegram_bot: BotProcess) -> None:
    update = json.dumps(Updates().message(USER, "привет")).encode()
    forged = {"X-Telegram-Bot-Api-Secret-Token": "секрет".encode()}
    assert await _raw_post(telegram_bot.port, TELEGRAM_PATH, update, forged) == 401
    assert telegram_bot.fake.sent(USER) == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2, 3]", b'{"update_id": "x"}', b'"just a string"', b"\xff\xfe"],
    ids=["broken-json", "array", "not-an-update", "string", "not-utf8"],
)
async def test_telegram_answers_a_malformed_body_with_400_and_logs_none_of_it(
    telegram_bot: BotProcess, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET.encode()}
    assert await _raw_post(telegram_bot.port, TELEGRAM_PATH, body, secret) == 400
    assert all(body.decode("utf-8", "replace") not in r.getMessage() for r in caplog.records)
    assert not any(r.exc_info for r in caplog.records)


async def test_telegram_still_answers_after_the_forgeries(telegram_bot: BotProcess) -> None:
    secret = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET.encode()}
    assert await _raw_post(telegram_bot.port, TELEGRAM_PATH, b"[]", secret) == 400
    assert await telegram_bot.post(Updates().message(USER, "привет")) == 200
    assert "Здравствуйте" in telegram_bot.fake.texts(USER)[0]


@pytest.mark.parametrize("body", [b"[]", b"{oops", b"42", b"\xff"])
async def test_vk_answers_a_malformed_body_with_400(vk_bot: VkProcess, body: bytes) -> None:
    assert await _raw_post(vk_bot.port, "/vk/callback", body, {}) == 400


async def test_vk_refuses_a_non_ascii_or_non_text_secret(vk_bot: VkProcess) -> None:
    event = Events("секрет").message(USER, "привет")
    assert (await vk_bot.post(event))[0] == 403
    event = {**Events(VK_SECRET).message(USER, "привет"), "secret": ["a", 1]}
    assert (await vk_bot.post(event))[0] == 403
    assert vk_bot.fake.texts(USER) == []


async def test_vk_serves_only_its_own_community(vk_bot: VkProcess) -> None:
    other = {"type": "confirmation", "group_id": GROUP + 1}
    status, text = await vk_bot.post(other)
    assert (status, text) == (403, "wrong group")  # no confirmation string for a stranger
    event = {**Events(VK_SECRET).message(USER, "привет"), "group_id": GROUP + 1}
    assert (await vk_bot.post(event))[0] == 403
    assert vk_bot.fake.texts(USER) == []
    assert (await vk_bot.post(Events(VK_SECRET).message(USER, "привет")))[1] == "ok"
    assert "Здравствуйте" in vk_bot.fake.texts(USER)[0]


GROUP_CHAT = -100777


async def test_in_a_telegram_group_only_an_invitation_to_write_privately(
    telegram_bot: BotProcess,
) -> None:
    updates = Updates()
    await telegram_bot.post(updates.message(USER, "у соседа умер отец, что делать", GROUP_CHAT))
    assert telegram_bot.fake.sent(GROUP_CHAT) == []  # chatter in the group is not for us
    await telegram_bot.post(updates.message(USER, "/start", GROUP_CHAT))
    (invitation,) = telegram_bot.fake.texts(GROUP_CHAT)
    assert "только в личных сообщениях" in invitation
    assert telegram_bot.fake.sent(USER) == []  # no plan, no menu, nothing personal


async def test_a_command_for_another_bot_is_not_ours_and_ours_is(
    telegram_bot: BotProcess,
) -> None:
    updates = Updates()
    await telegram_bot.post(updates.message(USER, "/start@otherbot"))
    await telegram_bot.post(updates.message(USER, "/forget@otherbot"))
    assert telegram_bot.fake.sent(USER) == []
    await telegram_bot.post(updates.message(USER, "/start@lifebot child_birth"))
    assert "Рождение ребёнка" in "\n".join(telegram_bot.fake.texts(USER))


async def test_in_a_vk_group_conversation_only_an_invitation(vk_bot: VkProcess) -> None:
    chat = 2_000_000_001
    events = Events(VK_SECRET)
    await vk_bot.post(events.message(USER, "а пособие на ребенка сколько", peer=chat))
    assert vk_bot.fake.texts(chat) == []
    await vk_bot.post(events.message(USER, "/start", peer=chat))
    (invitation,) = vk_bot.fake.texts(chat)
    assert "только в личных сообщениях" in invitation
    assert vk_bot.fake.texts(USER) == []


async def test_a_command_for_another_bot_does_not_restart_a_vk_conversation(
    vk_bot: VkProcess,
) -> None:
    events = Events(VK_SECRET)
    await vk_bot.post(events.message(USER, "/start job_loss"))
    await vk_bot.post(events.message(USER, "/start@otherbot"))
    assert "Здравствуйте" not in vk_bot.fake.texts(USER)[-1]  # not a new conversation
    await vk_bot.post(events.message(USER, "по сокращению"))  # the open question still is
    assert "Когда вас уволили?" in "\n".join(vk_bot.fake.texts(USER)[-2:])
