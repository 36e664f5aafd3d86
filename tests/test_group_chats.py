"""Group chats where a deployment allows them (``ALLOW_GROUP_CHATS``): the assistant answers the
citizen who wrote, each button works only for the citizen it was sent to (another member's
press changes neither their conversation nor the message), and no proactive survey is posted
into the group. By default a group gets one line inviting to write privately."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bots.channels.telegram.app import build_bot, deliver
from bots.shared import ownership
from bots.testing.telegram_api import FakeTelegram, Updates
from bots.testing.telegram_bot import BotProcess
from bots.testing.vk_api import Events, FakeVk
from bots.testing.vk_bot import SECRET as VK_SECRET
from bots.testing.vk_bot import VkProcess
from dialogs.contract import Address, Outgoing, Reply
from dialogs.engine import DialogEngine, EngineConfig
from dialogs.memory import MemoryDatabase
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier

GROUP = -100500
VK_CHAT = 2_000_000_007
ANNA, BORIS = 7001, 7002


@pytest.fixture
def engine(kb: KnowledgeBaseContent, classifier: EmbeddedClassifier) -> DialogEngine:
    return DialogEngine(kb, classifier, MemoryDatabase().units, EngineConfig())


@pytest.fixture
async def group_bot(engine: DialogEngine, telegram: FakeTelegram) -> AsyncIterator[BotProcess]:
    process = BotProcess(engine, telegram)
    process.dispatcher["edge"].group_chats = True
    await process.start()
    yield process
    await process.stop()


def _answers(fake: FakeTelegram) -> list[dict[str, object]]:
    return [c.params for c in fake.calls if c.method == "answerCallbackQuery"]


async def test_in_an_allowed_group_another_members_press_changes_nothing(
    group_bot: BotProcess, telegram: FakeTelegram, kb: KnowledgeBaseContent
) -> None:
    updates = Updates()
    await group_bot.post(updates.message(ANNA, "у нас родился сын, что оформлять", group=GROUP))
    assert "Когда родился ребёнок" in telegram.texts(GROUP)[-1]  # where Anna wrote
    await group_bot.post(updates.message(ANNA, "вчера", group=GROUP))
    data, message_id = telegram.button(GROUP, "Нет")  # «are you married?» — for Anna
    assert ownership.claimed(data, str(ANNA)) is not None
    before = list(telegram.by_chat[str(GROUP)])

    assert await group_bot.post(updates.button(BORIS, data, message_id, group=GROUP)) == 200
    assert telegram.by_chat[str(GROUP)] == before  # Anna's message is as it was
    assert _answers(telegram)[-1].get("text") == kb.texts.not_your_button

    await group_bot.post(updates.button(ANNA, data, message_id, group=GROUP))
    assert telegram.by_chat[str(GROUP)] != before  # Anna's own press goes on with her plan
    assert not _answers(telegram)[-1].get("text")
    assert kb.texts.apology not in telegram.texts(GROUP)


async def test_a_button_without_its_owner_mark_is_refused_in_a_group(
    group_bot: BotProcess, telegram: FakeTelegram, kb: KnowledgeBaseContent
) -> None:
    updates = Updates()
    await group_bot.post(updates.message(ANNA, "/start child_birth", group=GROUP))
    before = list(telegram.by_chat[str(GROUP)])
    forged = updates.button(BORIS, "s:child_birth", telegram.last_message_id(GROUP), group=GROUP)
    assert await group_bot.post(forged) == 200
    assert telegram.by_chat[str(GROUP)] == before
    assert _answers(telegram)[-1].get("text") == kb.texts.not_your_button


async def test_by_default_a_group_is_invited_to_write_privately(
    engine: DialogEngine, telegram: FakeTelegram, kb: KnowledgeBaseContent
) -> None:
    process = BotProcess(engine, telegram)
    await process.start()
    try:
        await process.post(Updates().message(ANNA, "/start", group=GROUP))
    finally:
        await process.stop()
    assert telegram.texts(GROUP) == [kb.texts.private_only]


async def test_no_idle_survey_is_posted_into_a_group(telegram: FakeTelegram) -> None:
    bot = build_bot(telegram.token, telegram.url)
    try:
        survey = Outgoing(Address("telegram", str(GROUP)), (Reply("Вы давно не писали"),))
        await deliver(bot, survey)
        await deliver(bot, Outgoing(Address("telegram", str(ANNA)), survey.replies))
    finally:
        await bot.session.close()
    assert telegram.texts(GROUP) == []
    assert telegram.texts(ANNA) == ["Вы давно не писали"]


async def test_in_an_allowed_vk_conversation_only_the_citizen_presses_their_buttons(
    engine: DialogEngine, kb: KnowledgeBaseContent
) -> None:
    fake = FakeVk()
    await fake.start()
    process = VkProcess(engine, fake)
    process.edge.group_chats = True
    await process.start()
    events = Events(VK_SECRET)
    try:
        await process.post(events.message(ANNA, "родился ребенок что делать", peer=VK_CHAT))
        await process.post(events.message(ANNA, "вчера", peer=VK_CHAT))
        payload, message_id = fake.button(VK_CHAT, "Нет")
        sent_before = len(fake.by_peer[str(VK_CHAT)])
        await process.post(events.button(BORIS, payload, message_id, peer=VK_CHAT))
        assert len(fake.by_peer[str(VK_CHAT)]) == sent_before  # nothing sent, nothing edited
        answer = [c for c in fake.calls if c.method == "messages.sendMessageEventAnswer"][-1]
        notice = json.loads(answer.params["event_data"])
        assert notice == {"type": "show_snackbar", "text": kb.texts.not_your_button}
        await process.post(events.button(ANNA, payload, message_id, peer=VK_CHAT))
        assert len(fake.by_peer[str(VK_CHAT)]) > sent_before
    finally:
        await process.stop()
        await fake.stop()
