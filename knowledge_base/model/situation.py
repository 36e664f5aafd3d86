"""A situation and its catalogue: questions, steps, deadlines, places, follow-ups, sources.

Descriptions are in Russian because editors read them (in the JSON Schema their editor shows).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, HttpUrl, model_validator

from knowledge_base.model.base import ButtonLabel, Model, Slug, Text

Meaning = Literal["yes", "no", "unknown"]


class NumberRange(Model):
    min: int | None = Field(default=None, description="Наименьшее число (включительно)")
    max: int | None = Field(default=None, description="Наибольшее число (включительно)")

    @model_validator(mode="after")
    def _ordered(self) -> NumberRange:
        if self.min is None and self.max is None:
            raise ValueError("укажите min, max или оба")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min больше max")
        return self

    def contains(self, value: int) -> bool:
        low = self.min if self.min is not None else value
        high = self.max if self.max is not None else value
        return low <= value <= high


class Option(Model):
    id: Slug = Field(description="Код варианта ответа: латиница, цифры, подчёркивание")
    label: ButtonLabel = Field(description="Текст кнопки, до 40 символов")
    synonyms: tuple[Text, ...] = Field(
        default=(),
        description=(
            "Как гражданин может написать этот ответ словами: «работаю официально», «в декрете», "
            "«жена». Фраза засчитывается и в первом сообщении, поэтому пишите только то, "
            "что однозначно означает этот вариант"
        ),
    )
    means: Meaning | None = Field(
        default=None,
        description=(
            "Какое общее слово выбирает вариант: yes — «да», «ага»; no — «нет»; unknown — "
            "«не знаю». Если не указано, определяется по началу текста кнопки"
        ),
    )
    numbers: NumberRange | None = Field(
        default=None,
        description="Число в сообщении из этого диапазона выбирает вариант («бабушке 85 лет»)",
    )

    @property
    def meaning(self) -> Meaning | None:
        if self.means is not None:
            return self.means
        first = self.label.lower().replace(",", " ").split(" ")[0]
        if first == "да":
            return "yes"
        if first == "нет":
            return "no"
        if "не знаю" in self.label.lower():
            return "unknown"
        return None


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
    summary: str | None = Field(
        default=None,
        description=(
            "Коротко, о чём вопрос, для строки «Понял: …»: «дата рождения», «брак». "
            "Если не указано, показывается текст вопроса"
        ),
    )
    tense: Literal["past", "future", "any"] = Field(
        default="past",
        description=(
            "Для date: past — событие уже произошло (дата в будущем не принимается), "
            "future — ещё предстоит, any — любая дата"
        ),
    )

    @model_validator(mode="after")
    def _choice_needs_options(self) -> Question:
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError("у вопроса с выбором должно быть не меньше двух вариантов ответа")
        ids = [option.id for option in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError("коды вариантов ответа повторяются")
        owners: dict[str, str] = {}
        for option in self.options:
            for phrase in (option.label, *option.synonyms):
                key = " ".join(phrase.lower().replace("ё", "е").strip(" .!?").split())
                if owners.setdefault(key, option.id) != option.id:
                    raise ValueError(
                        f"фраза «{phrase}» относится к двум вариантам: {owners[key]} и {option.id}"
                    )
        return self

    @property
    def title(self) -> str:
        return self.summary or self.text.rstrip("?").split("?")[0]


class Place(Model):
    name: Text = Field(description="Куда обратиться: «Госуслуги», «МФЦ», «ЗАГС»…")
    url: HttpUrl | None = Field(default=None, description="Ссылка на услугу или сайт ведомства")
    note: str | None = Field(default=None, description="Уточнение: как подать, что выбрать")


class Deadline(Model):
    text: Text = Field(description="Срок словами: «в течение месяца со дня рождения»")
    days: int | None = Field(default=None, ge=0, description="Срок в днях от даты события")
    months: int | None = Field(default=None, ge=0, description="Срок в месяцах от даты события")
    years: int | None = Field(default=None, ge=0, description="Срок в годах от даты события")
    working_days: int | None = Field(
        default=None,
        ge=0,
        description=(
            "Срок в рабочих днях от даты события — по производственному календарю России "
            "(выходные, праздники и переносы). Указывайте, когда закон говорит «рабочих дней»"
        ),
    )

    @property
    def is_relative(self) -> bool:
        values = (self.days, self.months, self.years, self.working_days)
        return any(value is not None for value in values)

    @model_validator(mode="after")
    def _one_kind_of_days(self) -> Deadline:
        if self.working_days is not None and self.days is not None:
            raise ValueError("укажите либо days (календарные дни), либо working_days (рабочие)")
        return self


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
    if_missed: str | None = Field(
        default=None,
        description=(
            "Что будет, если не успеть к сроку, и что делать тогда. Показывается, когда срок "
            "уже прошёл, и в ответ на «а если я не успею?»"
        ),
    )


class FollowUp(Model):
    """A question citizens ask inside the plan, with its answer."""

    id: Slug = Field(description="Код вопроса, уникальный внутри ситуации")
    questions: tuple[Text, ...] = Field(
        min_length=2,
        description="Как граждане спрашивают об этом: «сколько платят пособие», «какая сумма»",
    )
    answer: Text = Field(description="Ответ простыми словами; суммы — с годом и источником")
    step: Slug | None = Field(default=None, description="Код шага, к которому относится ответ")
    url: HttpUrl | None = Field(default=None, description="Ссылка, где проверить ответ")


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
    review: str | None = Field(
        default=None,
        description=(
            "Что проверено при последней проверке и по каким источникам: по шагам, со ссылками "
            "на статьи законов и страницы услуг; где источники расходятся — что выбрано и почему"
        ),
    )
    examples: tuple[Text, ...] = Field(
        default=(), description="Как граждане описывают ситуацию своими словами (для NLU)"
    )
    faq: tuple[FollowUp, ...] = Field(
        default=(), description="Частые вопросы внутри плана и ответы на них"
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
