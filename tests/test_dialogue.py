"""The engine's behaviour a citizen notices, on in-memory fakes."""

from __future__ import annotations

import datetime as dt

from dialogs.engine import DialogEngine
from dialogs.memory import MemoryDatabase
from dialogs.ports import Classification, IntentScore
from knowledge_base.model import KnowledgeBaseContent
from tests.chat import Chat
from tests.conftest import IDLE


async def test_start_greets_and_shows_the_categories(memory_chat: Chat) -> None:
    replies = await memory_chat.say("/start")
    assert "Здравствуйте" in memory_chat.text
    assert memory_chat.labels == [
        "Семья и дети",
        "Жильё, переезд и транспорт",
        "Работа и пенсия",
        "Здоровье и соцподдержка",
        "Документы",
        "Долги и права потребителя",
        "Бизнес и налоги",
    ]
    assert replies[-1].is_menu


async def test_menu_leads_to_a_situation_and_its_first_question(memory_chat: Chat) -> None:
    await memory_chat.say("/start")
    await memory_chat.press("Семья и дети")
    assert "Рождение ребёнка" in memory_chat.labels
    await memory_chat.press("Рождение ребёнка")
    assert "Когда родился ребёнок?" in memory_chat.text
    assert "Пропустить" in memory_chat.labels


async def test_free_text_opens_the_situation(memory_chat: Chat) -> None:
    await memory_chat.say("у нас родился ребёнок, что делать с документами")
    assert memory_chat.text.startswith("Поздравляем") or "Рождение ребёнка" in memory_chat.text
    assert "Когда родился ребёнок?" in memory_chat.text


async def _child_birth_plan(chat: Chat, date: str, married: str, employed: str) -> str:
    await chat.say("/start child_birth")
    await chat.say(date)
    await chat.press(married)
    await chat.press(employed)
    await chat.press("Нет, выше")
    return chat.text


async def test_plan_shows_only_the_steps_that_apply(memory_chat: Chat) -> None:
    married = await _child_birth_plan(memory_chat, "01.03.2026", "Да, в браке", "Нет")
    assert "Установите отцовство" not in married
    # Non-working parents are entitled to the lump sum too (81-ФЗ ст. 11–12): it is shown.
    assert "Оформите единовременное пособие при рождении" in married
    assert "единое пособие" not in married
    assert "Зарегистрируйте рождение" in married

    other = Chat(memory_chat.engine, user="citizen-2")
    not_married = await _child_birth_plan(other, "01.03.2026", "Нет", "Да")
    assert "Установите отцовство" in not_married
    assert "Оформите единовременное пособие при рождении" in not_married


async def test_deadlines_become_real_dates_from_the_event_date(memory_chat: Chat) -> None:
    plan = await _child_birth_plan(memory_chat, "31.01.2026", "Да, в браке", "Нет")
    # A month after 31 January is the last day of February.
    # START is 2 March 2026: that deadline has already passed, and the plan says so.
    assert "Зарегистрируйте рождение и получите свидетельство — срок прошёл 28.02.2026" in plan


async def test_dates_in_words_are_understood(memory_chat: Chat) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("вчера")
    assert "Вы состоите в браке" in memory_chat.text


async def test_a_wrong_date_is_explained_and_the_question_repeated(memory_chat: Chat) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("когда-то давно")
    assert "Не получилось понять дату" in memory_chat.text
    assert "Когда родился ребёнок?" in memory_chat.text


async def test_step_navigation(memory_chat: Chat) -> None:
    await _child_birth_plan(memory_chat, "01.03.2026", "Да, в браке", "Нет")
    await memory_chat.press("Дальше")
    assert "Шаг 1 из" in memory_chat.text
    assert "Срок: до 01.04.2026 (не позднее месяца со дня рождения)" in memory_chat.text
    await memory_chat.press("Документы")
    assert "медицинское свидетельство о рождении" in memory_chat.text
    await memory_chat.press("Вернуться к плану")
    assert "Шаг 1 из" in memory_chat.text
    await memory_chat.press("Дальше")
    assert "Шаг 2 из" in memory_chat.text
    await memory_chat.press("← Назад")
    assert "Шаг 1 из" in memory_chat.text
    await memory_chat.press("Все шаги")
    assert "1. Зарегистрируйте рождение" in memory_chat.text
    await memory_chat.press("Главное меню")
    assert "Семья и дети" in memory_chat.labels


async def test_naming_another_situation_offers_to_switch(memory_chat: Chat) -> None:
    await _child_birth_plan(memory_chat, "01.03.2026", "Да, в браке", "Нет")
    await memory_chat.say("меня сократили с работы")
    assert "Перейти к этой теме?" in memory_chat.text
    await memory_chat.press("Нет, продолжить")
    assert "Шагов в плане" in memory_chat.text or "Шаг" in memory_chat.text
    await memory_chat.say("меня сократили с работы")
    await memory_chat.press("Да, перейти")
    assert "Потеря работы" in memory_chat.text or "работ" in memory_chat.text.lower()


async def test_not_understood_twice_offers_a_person(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await memory_chat.say("/start")
    await memory_chat.say("ывапролдж")
    assert "Не понял вас" in memory_chat.text
    assert "Семья и дети" in memory_chat.labels
    await memory_chat.say("кхм бррр")
    assert "Связаться с человеком" in memory_chat.labels
    await memory_chat.press("Связаться с человеком")
    assert "8 800 100-70-10" in memory_chat.text
    (conversation,) = memory.conversations.values()
    assert conversation.not_understood == 2
    assert conversation.human_requested


async def test_unknown_command_and_empty_text_get_help_not_an_error(memory_chat: Chat) -> None:
    await memory_chat.say("/nonsense")
    assert "Не понял вас" in memory_chat.text
    await memory_chat.say("   ")
    assert memory_chat.replies


async def test_stale_buttons_show_where_the_citizen_is(memory_chat: Chat) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.press_payload("a:married:married")  # not the current question
    assert "Когда родился ребёнок?" in memory_chat.text
    await memory_chat.press_payload("zz:whatever")
    assert "Когда родился ребёнок?" in memory_chat.text


async def _finish_plan(chat: Chat) -> None:
    await _child_birth_plan(chat, "01.03.2026", "Да, в браке", "Нет")
    while "Готово ✓" not in chat.labels:
        await chat.press("Дальше")
    await chat.press("Готово ✓")


async def test_finished_plan_asks_the_survey_and_stores_each_answer(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _finish_plan(memory_chat)
    assert "Насколько вы довольны?" in memory_chat.text
    await memory_chat.press("5")
    assert [(a.question, a.value) for a in memory.answers] == [("csat", "5")]
    await memory_chat.press("4")
    await memory_chat.press("Частично")
    await memory_chat.say("Хорошо бы адреса МФЦ")
    assert "Спасибо!" in memory_chat.text
    assert [(a.question, a.value) for a in memory.answers] == [
        ("csat", "5"),
        ("effort", "4"),
        ("answered", "partly"),
        ("comment", "Хорошо бы адреса МФЦ"),
    ]
    (conversation,) = memory.conversations.values()
    assert conversation.end_reason == "plan_finished"
    assert conversation.survey_asked


async def test_half_answered_survey_keeps_what_was_answered(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _finish_plan(memory_chat)
    await memory_chat.press("2")
    await memory_chat.say("а как получить загранпаспорт?")
    assert "Насколько легко" not in memory_chat.text  # the citizen moved on: no nagging
    assert [(a.question, a.value) for a in memory.answers] == [("csat", "2")]


async def test_survey_is_never_asked_twice_in_one_conversation(memory_chat: Chat) -> None:
    await _finish_plan(memory_chat)
    await memory_chat.say("/menu")
    await memory_chat.say("спасибо, до свидания")
    assert "Насколько вы довольны?" not in memory_chat.text


async def test_a_late_survey_button_is_still_recorded(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _finish_plan(memory_chat)
    csat_five = memory_chat.button("5").payload
    await memory_chat.say("/menu")
    await memory_chat.press_payload(csat_five)
    assert [(a.question, a.value) for a in memory.answers] == [("csat", "5")]
    assert "Насколько легко" in memory_chat.text


async def test_survey_button_after_the_conversation_closed_goes_to_that_conversation(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _finish_plan(memory_chat)
    first = next(iter(memory.conversations))
    await memory_chat.press("5")
    effort_button = memory_chat.button("3").payload
    await memory_chat.press("3")
    answered_button = memory_chat.button("Да").payload
    await memory_chat.say("/start")  # a new conversation; «answered?» was left unanswered
    await memory_chat.press_payload(answered_button)
    assert "Спасибо!" in memory_chat.text
    # An old keyboard of a question already answered does not overwrite the answer.
    await memory_chat.press_payload(effort_button.replace(":3:", ":1:"))
    stored = [(a.conversation_id, a.question, a.value) for a in memory.answers]
    assert stored == [(first, "csat", "5"), (first, "effort", "3"), (first, "answered", "yes")]
    assert len(memory.conversations) == 2


async def test_goodbye_ends_the_conversation_with_a_survey(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("спасибо, пока")
    assert "Рад был помочь" in memory_chat.text
    assert "Насколько вы довольны?" in memory_chat.text
    (conversation,) = memory.conversations.values()
    assert conversation.end_reason == "farewell"


async def test_idle_conversation_gets_the_survey_once(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _child_birth_plan(memory_chat, "01.03.2026", "Да, в браке", "Нет")
    await memory_chat.press("Дальше")
    engine = memory_chat.engine
    assert await engine.sweep_idle("test", memory_chat.now + IDLE / 2) == []
    (outgoing,) = await engine.sweep_idle("test", memory_chat.now + IDLE + dt.timedelta(seconds=1))
    assert outgoing.address.chat_id == "chat-citizen-1"
    assert "Вы давно не писали" in outgoing.replies[0].text
    await engine.delivered(outgoing)
    assert await engine.sweep_idle("test", memory_chat.now + 2 * IDLE) == []
    (conversation,) = memory.conversations.values()
    assert conversation.end_reason == "idle"
    # The citizen answers the idle survey later: it is recorded.
    memory_chat.replies = list(outgoing.replies)
    await memory_chat.press("4")
    assert [(a.question, a.value) for a in memory.answers] == [("csat", "4")]


async def test_idle_without_any_real_question_closes_quietly(memory_chat: Chat) -> None:
    await memory_chat.say("/start")
    later = memory_chat.now + IDLE + dt.timedelta(minutes=1)
    assert await memory_chat.engine.sweep_idle("test", later) == []


async def test_restart_opens_a_new_conversation(memory_chat: Chat, memory: MemoryDatabase) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("/restart")
    assert "начнём сначала" in memory_chat.text.lower()
    first, second = memory.conversations.values()
    assert first.end_reason == "restart"
    assert second.ended_at is None


class FixedClassifier:
    """A classifier that is unsure between three situations, whatever is written."""

    async def classify(self, text: str, today: dt.date | None = None) -> Classification:
        return Classification(
            ranking=(
                IntentScore("passport", 0.4),
                IntentScore("lost_documents", 0.35),
                IntentScore("travel_abroad", 0.3),
                IntentScore("greet", 0.2),
            )
        )


async def test_an_unsure_guess_asks_did_you_mean(
    kb: KnowledgeBaseContent, memory: MemoryDatabase
) -> None:
    engine = DialogEngine(kb, FixedClassifier(), memory.units)
    chat = Chat(engine)
    await chat.say("документ какой-то нужен")
    assert "Вы имели в виду" in chat.text
    assert chat.labels[:3] == [
        kb.situations["passport"].title,
        kb.situations["lost_documents"].title,
        kb.situations["travel_abroad"].title,
    ]
    await chat.press(kb.situations["lost_documents"].title)
    assert kb.situations["lost_documents"].questions[0].text in chat.text


async def test_help_and_deep_link(memory_chat: Chat) -> None:
    await memory_chat.say("/help")
    assert "/restart" in memory_chat.text
    await memory_chat.say("/start job_loss")
    assert "Когда вас уволили?" in memory_chat.text
    assert memory_chat.replies[0].text.startswith("Здравствуйте")


async def test_a_date_in_the_first_message_is_not_asked_again(memory_chat: Chat) -> None:
    await memory_chat.say("жена вчера родила, что с бумагами?")
    assert "Когда родился ребёнок?" not in memory_chat.text
    assert "Вы состоите в браке" not in memory_chat.text  # «жена»: they are married
    assert "Кто-то из родителей работает" in memory_chat.text
    await memory_chat.press("Нет")
    await memory_chat.press("Нет, выше")
    yesterday = memory_chat.now.date() - dt.timedelta(days=1)
    due = yesterday.replace(month=yesterday.month + 1).strftime("%d.%m.%Y")
    assert f"Зарегистрируйте рождение и получите свидетельство — до {due}" in memory_chat.text
