"""Schema of the files every situation shares: the lexicon, region time zones, yearly figures.

Descriptions are in Russian because editors read them.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, HttpUrl, model_validator

from knowledge_base.model.base import Model, Slug, Text

Phrases = tuple[Text, ...]


class Navigation(Model):
    """Words of the plan's buttons, typed instead of pressed."""

    next: Phrases
    back: Phrases
    documents: Phrases
    all_steps: Phrases
    plan: Phrases
    full_plan: Phrases
    menu: Phrases
    edit: Phrases
    finish: Phrases
    done: Phrases = ()
    remind: Phrases = ()
    stop_reminders: Phrases = ()


class Aspects(Model):
    """Words that show what a follow-up question asks about a step."""

    documents: Phrases
    where: Phrases
    cost: Phrases
    duration: Phrases
    deadline: Phrases
    missed: Phrases


class Lexicon(Model):
    """Shared words: how citizens say yes, no, «don't know», «skip»; plan words; numbers."""

    yes: Phrases
    no: Phrases
    unknown: Phrases
    skip: Phrases
    partly: Phrases
    navigation: Navigation
    aspects: Aspects
    question_words: Phrases = Field(
        description="Слова, с которых начинается вопрос: «а если», «как», «сколько»"
    )
    numbers: dict[str, int] = Field(description="Числа словами: «пять» → 5, «второй» → 2")
    survey_filler: Phrases = Field(
        description="Слова, которые не мешают понять оценку: «наверное», «ну», «на»"
    )
    stopwords: Phrases = Field(description="Слова, которые не учитываются при поиске ответа")
    person: Phrases = Field(
        description="Просьба позвать человека: «позовите оператора», «живой человек»"
    )
    complaint: Phrases = Field(description="Жалоба: «хочу пожаловаться», «вымогают деньги»")
    person_words: Phrases = Field(
        description="Слова, которые только зовут человека и ничего не спрашивают: «позовите», "
        "«оператора», «пожалуйста»; если кроме них есть ещё три слова, это уже вопрос"
    )


class Timezones(Model):
    """Time zones of the regions, so that «вчера» is the citizen's own yesterday."""

    regions: dict[str, str] = Field(
        description="Официальное название региона → часовой пояс (например Europe/Moscow)"
    )

    @model_validator(mode="after")
    def _known_zones(self) -> Timezones:
        from zoneinfo import available_timezones

        known = available_timezones()
        wrong = sorted(zone for zone in self.regions.values() if zone not in known)
        if wrong:
            raise ValueError(f"неизвестные часовые пояса: {', '.join(wrong)}")
        return self


class Figure(Model):
    """An amount, fee or age that changes by year: written once, named from the steps."""

    title: Text = Field(description="Что это за величина: «Единовременное пособие при рождении»")
    value: Text = Field(description="Как её показать гражданину: «28 450,45 ₽»")
    year: int = Field(ge=2000, le=2100, description="Год, для которого величина верна")
    source: HttpUrl = Field(description="Точная ссылка: статья закона или страница ведомства")
    reviewed: dt.date = Field(description="Когда величину последний раз сверили с источником")


class Figures(Model):
    figures: dict[Slug, Figure] = Field(
        description="Код величины → величина; в текстах ситуаций пишите {{код}}"
    )
