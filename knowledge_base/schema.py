"""Pydantic schema of the knowledge base: what an editor may write in the YAML files.

Descriptions are in Russian because editors read them (in the JSON Schema their editor shows).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, model_validator

# 28 characters at most: button payloads carry two ids and Telegram allows 64 bytes.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,27}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ButtonLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Model):
    id: Slug = Field(description="Код варианта ответа: латиница, цифры, подчёркивание")
    label: ButtonLabel = Field(description="Текст кнопки, до 40 символов")


class Question(Model):
    id: Slug = Field(description="Код вопроса; на него ссылаются условия шагов")
    text: Text = Field(description="Вопрос гражданину простыми словами")
    kind: Literal["choice", "date"] = Field(
        default="choice",
        description="choice — выбор из вариантов; date — дата события (можно написать дату)",
    )
    options: tuple[Option, ...] = Field(
        default=(), description="Варианты ответа (для date — дополнительные кнопки)"
    )
    skippable: bool = Field(default=False, description="Можно ли пропустить вопрос")

    @model_validator(mode="after")
    def _choice_needs_options(self) -> Question:
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError("у вопроса с выбором должно быть не меньше двух вариантов ответа")
        ids = [option.id for option in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError("коды вариантов ответа повторяются")
        return self


class Place(Model):
    name: Text = Field(description="Куда обратиться: «Госуслуги», «МФЦ», «ЗАГС»…")
    url: HttpUrl | None = Field(default=None, description="Ссылка на услугу или сайт ведомства")
    note: str | None = Field(default=None, description="Уточнение: как подать, что выбрать")


class Deadline(Model):
    text: Text = Field(description="Срок словами: «в течение месяца со дня рождения»")
    days: int | None = Field(default=None, ge=0, description="Срок в днях от даты события")
    months: int | None = Field(default=None, ge=0, description="Срок в месяцах от даты события")
    years: int | None = Field(default=None, ge=0, description="Срок в годах от даты события")

    @property
    def is_relative(self) -> bool:
        return any(value is not None for value in (self.days, self.months, self.years))


class Step(Model):
    id: Slug = Field(description="Код шага, уникальный внутри ситуации")
    title: Text = Field(description="Короткое название шага: что сделать")
    what: Text = Field(description="Что сделать, простыми словами")
    documents: tuple[Text, ...] = Field(default=(), description="Какие документы понадобятся")
    where: tuple[Place, ...] = Field(min_length=1, description="Куда обратиться")
    deadline: Deadline | None = Field(default=None, description="Срок, если он установлен")
    cost: Text = Field(description="Сколько стоит: «Бесплатно» или пошлина со ссылкой")
    duration: Text = Field(description="Сколько займёт")
    when: dict[Slug, tuple[Slug, ...]] = Field(
        default_factory=dict,
        description="Условие: код вопроса → варианты, при которых шаг нужен",
    )
    sources: tuple[HttpUrl, ...] = Field(default=(), description="Официальные источники шага")


class Source(Model):
    title: Text = Field(description="Название источника")
    url: HttpUrl = Field(description="Ссылка на официальный источник")


class Situation(Model):
    id: Slug = Field(description="Код ситуации; совпадает с именем файла")
    title: Text = Field(description="Название ситуации для меню")
    category: Slug = Field(description="Код категории из categories.yml")
    summary: Text = Field(description="Коротко и просто: о чём ситуация и что будет дальше")
    sympathy: str | None = Field(
        default=None, description="Одна строка сочувствия для тяжёлых ситуаций"
    )
    questions: tuple[Question, ...] = Field(
        min_length=1, max_length=4, description="Уточняющие вопросы (от 1 до 4)"
    )
    steps: tuple[Step, ...] = Field(min_length=1, description="Шаги плана по порядку")
    related: tuple[Slug, ...] = Field(default=(), description="Связанные ситуации")
    sources: tuple[Source, ...] = Field(min_length=1, description="Официальные источники")
    last_reviewed: dt.date = Field(description="Когда содержание последний раз проверено")
    examples: tuple[Text, ...] = Field(
        default=(), description="Как граждане описывают ситуацию своими словами (для NLU)"
    )

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def event_question(self) -> Question | None:
        """The date question whose answer anchors relative deadlines."""
        return next((q for q in self.questions if q.kind == "date"), None)


class Category(Model):
    id: Slug = Field(description="Код категории")
    title: ButtonLabel = Field(description="Название категории для кнопки меню")
    situations: tuple[Slug, ...] = Field(
        min_length=1, description="Ситуации категории в порядке показа"
    )


class Categories(Model):
    categories: tuple[Category, ...] = Field(min_length=1)


class Buttons(Model):
    next: ButtonLabel
    back: ButtonLabel
    all_steps: ButtonLabel
    documents: ButtonLabel
    main_menu: ButtonLabel
    finish: ButtonLabel
    skip: ButtonLabel
    switch_yes: ButtonLabel
    switch_no: ButtonLabel
    operator: ButtonLabel
    continue_plan: ButtonLabel
    answered_yes: ButtonLabel
    answered_partly: ButtonLabel
    answered_no: ButtonLabel
    more: ButtonLabel


class Commands(Model):
    """Descriptions of the bot's commands, shown in the messenger's command menu."""

    start: ButtonLabel
    menu: ButtonLabel
    help: ButtonLabel
    restart: ButtonLabel
    forget: ButtonLabel


class Texts(Model):
    """Everything the citizen reads that does not belong to one situation."""

    greeting: Text
    menu_prompt: Text
    category_prompt: Text
    help: Text
    fallback: Text
    fallback_repeated: Text
    apology: Text
    operator: Text
    restart: Text
    farewell: Text
    switch_offer: Text
    date_hint: Text
    date_invalid: Text
    choose_option: Text
    answers_saved: Text
    plan_intro: Text
    plan_empty: Text
    step_header: Text
    label_what: Text
    label_documents: Text
    label_where: Text
    label_deadline: Text
    label_due_date: Text
    label_cost: Text
    label_duration: Text
    no_documents: Text
    plan_finished: Text
    related_intro: Text
    survey_intro: Text
    survey_idle_intro: Text
    survey_csat: Text
    survey_effort: Text
    survey_answered: Text
    survey_comment: Text
    survey_thanks: Text
    survey_scale_hint: Text
    did_you_mean: Text
    flood_warning: Text
    forgotten: Text
    buttons: Buttons
    commands: Commands
