"""Citizens who talk like people: each behaviour of a real conversation, typed as in a messenger.

The engine on in-memory fakes with the real knowledge base and the real embedded NLU; the
same behaviours run through Telegram, VK and the console in their own test modules.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dialogs.engine import DialogEngine, EngineConfig
from dialogs.memory import MemoryDatabase
from knowledge_base.model import KnowledgeBaseContent
from nlu.embedded import EmbeddedClassifier
from tests.chat import START, Chat, ConsoleTyping
from tests.conftest import IDLE


@pytest.fixture(params=["engine", "console"])
def memory_chat(
    request: pytest.FixtureRequest,
    kb: KnowledgeBaseContent,
    classifier: EmbeddedClassifier,
    memory: MemoryDatabase,
) -> Chat:
    """Every behaviour twice: pressing buttons by label, and typing into ``lifebot chat``
    where a press is the button's number."""
    engine = DialogEngine(kb, classifier, memory.units, EngineConfig(idle_timeout=IDLE))
    return ConsoleTyping(engine) if request.param == "console" else Chat(engine)


async def _birth_plan(chat: Chat) -> None:
    await chat.say("/start child_birth")
    await chat.say("27.02.2026")
    await chat.press("Да, в браке")
    await chat.press("Да")
    await chat.press("Нет, выше")
    assert "Вот ваш личный план" in chat.text


def _questions_asked(chat: Chat, kb: KnowledgeBaseContent, situation: str) -> list[str]:
    return [q.id for q in kb.situations[situation].questions if q.text in chat.text]


# 1. Context first
async def test_an_answer_in_words_is_the_answer_not_a_topic_switch(memory_chat: Chat) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("позавчера")
    await memory_chat.say("да мы расписаны")
    assert "Кто-то из родителей работает" in memory_chat.text
    await memory_chat.say("работаю официально")
    assert "Перейти к этой теме?" not in memory_chat.text
    assert "Доход семьи на одного человека" in memory_chat.text


async def test_dont_know_is_an_answer_never_a_goodbye(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("вчера")
    await memory_chat.say("да")
    await memory_chat.say("да")
    await memory_chat.say("пока не знаю")  # the income question has «Не знаю»
    assert "Рад был помочь" not in memory_chat.text
    assert "Насколько вы довольны" not in memory_chat.text
    assert "Вот ваш личный план" in memory_chat.text
    assert "Подайте заявление на единое пособие" in memory_chat.text  # shown when unsure
    (conversation,) = memory.conversations.values()
    assert conversation.end_reason is None


async def test_dont_know_without_such_an_option_skips_and_says_so(memory_chat: Chat) -> None:
    await memory_chat.say("/start relocation")
    await memory_chat.say("неделю назад")
    await memory_chat.say("не знаю")
    assert "пропустим этот вопрос" in memory_chat.text
    assert "Вы переехали в другой регион?" in memory_chat.text


async def test_a_typed_yes_that_fits_two_buttons_asks_which(memory_chat: Chat) -> None:
    await memory_chat.say("/start large_family")
    await memory_chat.say("да")
    assert "Уточните, какой вариант" in memory_chat.text
    assert memory_chat.labels == ["Да, ребёнок родился с 2019 года", "Да, но дети родились раньше"]
    await memory_chat.press("Да, но дети")
    assert "Доход семьи" in memory_chat.text


async def test_declining_a_switch_in_words_keeps_everything(memory_chat: Chat) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("меня сократили с работы")
    assert "Перейти к этой теме?" in memory_chat.text
    await memory_chat.say("нет продолжить")
    assert "Рождение ребёнка. Шагов в плане" in memory_chat.text
    await memory_chat.say("дальше")
    assert "Шаг 1 из" in memory_chat.text


# 2. Facts up front
async def test_facts_in_the_first_message_are_not_asked_again(
    memory_chat: Chat, kb: KnowledgeBaseContent
) -> None:
    await memory_chat.say("жена вчера родила второго, я работаю официально")
    assert "Понял:" in memory_chat.text
    assert "01.03.2026" in memory_chat.text
    assert _questions_asked(memory_chat, kb, "child_birth") == ["low_income"]


async def test_a_trip_told_in_one_message_goes_straight_to_the_plan(memory_chat: Chat) -> None:
    await memory_chat.say("нужен загранник срочно, летим в турцию через месяц с ребенком 5 лет")
    assert "Понял:" in memory_chat.text
    assert "Вот ваш личный план" in memory_chat.text


async def test_an_age_in_the_first_message_answers_the_age_question(
    memory_chat: Chat, kb: KnowledgeBaseContent
) -> None:
    await memory_chat.say("бабушке 85 лет, нужен уход")
    assert "80 лет и больше" in memory_chat.text
    assert "age" not in _questions_asked(memory_chat, kb, "elderly_care")


async def test_a_fact_given_mid_questions_is_taken_and_not_asked(memory_chat: Chat) -> None:
    await memory_chat.say("/start job_loss")
    await memory_chat.say("уволили 3 дня назад по сокращению, ипотека есть")
    text = memory_chat.text
    assert "Понял:" in text
    assert "По какой причине вас уволили?" not in text
    assert "Вы не согласны с увольнением" in text
    await memory_chat.say("нет, все в порядке")
    assert "Вот ваш личный план" in memory_chat.text  # loans were told: not asked


# 3. Follow-ups inside a plan
async def test_follow_up_questions_are_answered_from_the_plan(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("а сколько платят пособие?")
    assert "₽" in memory_chat.text
    assert "Вернуться к плану" in memory_chat.labels
    await memory_chat.say("дальше")
    assert "Шаг 1 из" in memory_chat.text
    await memory_chat.say("а если я не успею?")
    assert "Если срок пропущен" in memory_chat.text
    assert "Вернуться к плану" in memory_chat.labels
    await memory_chat.say("а где взять справку?")
    assert "медицинское свидетельство о рождении" in memory_chat.text
    await memory_chat.say("вернуться к плану")
    assert "Шаг 1 из" in memory_chat.text
    keys = [m.follow_up for m in memory.messages if m.follow_up]
    assert keys[0].startswith("faq:")
    assert any(key.startswith("step:register_birth:") for key in keys)


async def test_a_follow_up_without_an_answer_is_recorded_for_editors(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("а можно ли назвать ребенка двойным именем?")
    assert "Вернуться к плану" in memory_chat.labels
    assert "Связаться с человеком" in memory_chat.labels
    (unanswered,) = [m for m in memory.messages if m.follow_up == "unanswered"]
    assert "двойным именем" in unanswered.text


async def test_plan_words_typed_work_like_the_buttons(memory_chat: Chat) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("дальше")
    assert "Шаг 1 из" in memory_chat.text
    await memory_chat.say("дальше")
    assert "Шаг 2 из" in memory_chat.text
    await memory_chat.say("назад")
    assert "Шаг 1 из" in memory_chat.text
    await memory_chat.say("документы")
    assert "медицинское свидетельство о рождении" in memory_chat.text
    await memory_chat.say("все шаги")
    assert "1. Зарегистрируйте рождение" in memory_chat.text


async def test_not_understood_inside_a_plan_keeps_the_way_back(memory_chat: Chat) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("ывапролдж")
    assert "Вернуться к плану" in memory_chat.labels
    await memory_chat.say("кхм бррр")
    assert "Вернуться к плану" in memory_chat.labels
    assert "Связаться с человеком" in memory_chat.labels
    await memory_chat.say("вернуться к плану")
    assert "Рождение ребёнка. Шагов в плане" in memory_chat.text


# 4. The plan is the citizen's
async def test_the_main_menu_keeps_the_plan_and_my_plan_brings_it_back(memory_chat: Chat) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.press("Главное меню")
    assert "Мой план" in memory_chat.labels
    await memory_chat.press("Мой план")
    assert "Рождение ребёнка. Шагов в плане" in memory_chat.text
    assert "Вы состоите в браке" not in memory_chat.text


async def test_switching_topics_and_back_asks_nothing_again(memory_chat: Chat) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("меня сократили с работы")
    await memory_chat.press("Да, перейти")
    assert "Когда вас уволили?" in memory_chat.text
    await memory_chat.say("вчера")
    await memory_chat.say("/plan")
    assert "нескольким темам" in memory_chat.text
    assert memory_chat.labels == ["Потеря работы", "Рождение ребёнка", "Главное меню"]
    await memory_chat.press("Рождение ребёнка")
    assert "ответы сохранены" in memory_chat.text
    assert "Рождение ребёнка. Шагов в плане" in memory_chat.text


async def test_the_plan_comes_back_the_next_day(memory_chat: Chat, memory: MemoryDatabase) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.press("Дальше")
    engine = memory_chat.engine
    channel, now = memory_chat.channel, memory_chat.now
    await engine.sweep_idle(channel, now + IDLE + dt.timedelta(minutes=1))  # the survey
    await engine.sweep_idle(channel, now + 3 * IDLE)  # left unanswered: closed
    memory_chat.tick(24 * 3600)
    await memory_chat.say("/plan")
    assert "Рождение ребёнка. Шагов в плане" in memory_chat.text
    assert len(memory.conversations) == 2


async def test_changing_one_answer_recomputes_the_plan(memory_chat: Chat) -> None:
    await _birth_plan(memory_chat)
    assert "Установите отцовство" not in memory_chat.text
    await memory_chat.press("Изменить ответы")
    assert "Да, в браке" in memory_chat.text  # the answers so far are shown
    await memory_chat.press_payload("e:married")
    await memory_chat.say("нет не расписаны")
    assert "План пересчитан" in memory_chat.text
    assert "Установите отцовство" in memory_chat.text
    assert "Когда родился ребёнок?" not in memory_chat.text


async def test_back_from_the_overview_changes_answers_without_losing_them(
    memory_chat: Chat,
) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("дальше")
    await memory_chat.say("назад")
    await memory_chat.say("назад")
    assert "Какой ответ изменить?" in memory_chat.text
    await memory_chat.say("вернуться к плану")
    assert "Рождение ребёнка. Шагов в плане" in memory_chat.text


async def test_the_whole_plan_in_one_message(memory_chat: Chat) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.press("Весь план одним сообщением")
    (reply,) = memory_chat.replies
    assert "ваш план целиком" in reply.text
    assert reply.text.count("Что сделать:") == 6
    assert "Оформите ребёнку полис ОМС" in reply.text


# 5. The survey gets what the citizen meant
async def test_the_survey_reads_ratings_as_people_type_them(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("спасибо")
    assert "Насколько вы довольны" in memory_chat.text
    assert memory_chat.replies[0].buttons == ()  # the farewell takes no number before 1–5
    await memory_chat.say("4 наверное")
    await memory_chat.say("пять")
    await memory_chat.say("частично")
    await memory_chat.say("нет")  # nothing to improve: no comment stored
    stored = {(a.question, a.value) for a in memory.answers}
    assert stored == {("csat", "4"), ("effort", "5"), ("answered", "partly")}


async def test_on_4_is_four_and_a_long_sentence_is_not_a_rating(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("спасибо, пока")
    await memory_chat.say("на 4")
    assert [(a.question, a.value) for a in memory.answers] == [("csat", "4")]
    await memory_chat.say("сложно было понять 2 шага про пособия")
    assert [(a.question, a.value) for a in memory.answers] == [("csat", "4")]


async def test_no_idle_survey_over_an_open_question_and_the_citizen_continues(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("вчера")
    later = memory_chat.now + IDLE + dt.timedelta(minutes=1)
    assert await memory_chat.engine.sweep_idle(memory_chat.channel, later) == []
    memory_chat.tick(3600)
    await memory_chat.press("Нет")  # the open question's second option, an hour later
    assert memory.answers == []
    assert "Кто-то из родителей работает" in memory_chat.text


# 6. Dates as people write them
async def test_relative_dates_and_the_citizens_local_day(
    kb: KnowledgeBaseContent, classifier: EmbeddedClassifier, memory: MemoryDatabase
) -> None:
    engine = DialogEngine(kb, classifier, memory.units, EngineConfig(timezone="Europe/Moscow"))
    chat = Chat(engine)
    # 22:30 UTC on 1 March is 01:30 on 2 March in Moscow: «вчера» is 1 March there.
    chat.now = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)
    await chat.say("/start child_birth")
    await chat.say("вчера")
    await chat.press("Да, в браке")
    await chat.press("Да")
    await chat.press("Нет, выше")
    assert "до 01.04.2026" in chat.text  # a month from 1 March


async def test_a_region_named_sets_the_citizens_time_zone(memory_chat: Chat) -> None:
    # 20:00 UTC is 06:00 the next day in Vladivostok.
    memory_chat.now = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    await memory_chat.say("у нас родилась дочка сегодня, мы во владивостоке")
    assert "02.03.2026" in memory_chat.text


async def test_a_birth_in_the_future_is_not_accepted(memory_chat: Chat) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("15.04.2026")
    assert "ещё не наступила" in memory_chat.text
    assert "Когда родился ребёнок?" in memory_chat.text
    await memory_chat.say("3 дня назад")
    assert "Вы состоите в браке" in memory_chat.text


async def test_a_deadline_already_past_says_what_to_do_now(memory_chat: Chat) -> None:
    await memory_chat.say("/start child_birth")
    await memory_chat.say("в декабре")
    await memory_chat.press("Да, в браке")
    await memory_chat.press("Да")
    await memory_chat.press("Нет, выше")
    assert "срок прошёл 01.01.2026" in memory_chat.text
    await memory_chat.say("дальше")
    assert "Если срок пропущен:" in memory_chat.text


async def test_working_days_count_the_production_calendar(memory_chat: Chat) -> None:
    await memory_chat.say("/start job_loss")
    await memory_chat.say("25.02.2026")
    await memory_chat.press("Сокращение или ликвидация")
    await memory_chat.press("Нет, всё в порядке")
    await memory_chat.press("Нет")
    # 14 working days after 25 February 2026: 8 and 9 March are days off.
    assert "до 18.03.2026" in memory_chat.text


# 7. Analysts keep the picture
async def test_the_conversation_keeps_every_situation_it_touched(
    memory_chat: Chat, memory: MemoryDatabase
) -> None:
    await _birth_plan(memory_chat)
    await memory_chat.say("меня сократили с работы")
    await memory_chat.press("Да, перейти")
    await memory_chat.press("Главное меню")
    (conversation,) = memory.conversations.values()
    assert conversation.situation_id == "job_loss"
    assert conversation.situations == ("child_birth", "job_loss")


def test_chat_starts_on_a_known_day() -> None:
    assert START.date() == dt.date(2026, 3, 2)


async def test_back_while_answering_never_drops_an_answer_given_out_of_order(
    memory_chat: Chat,
) -> None:
    await memory_chat.say("меня сократили, кредиты есть")
    assert "Когда вас уволили?" in memory_chat.text
    await memory_chat.say("назад")  # nothing was asked before this question
    assert "Когда вас уволили?" in memory_chat.text
    await memory_chat.say("25.02.2026")
    await memory_chat.say("нет")  # no dispute
    assert "Вот ваш личный план" in memory_chat.text  # the loans told up front were kept
