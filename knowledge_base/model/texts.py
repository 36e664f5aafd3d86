"""Texts every conversation uses: greetings, apologies, button labels, commands (texts.yml).

Descriptions are in Russian because editors read them.
"""

from __future__ import annotations

from pydantic import Field

from knowledge_base.model.base import ButtonLabel, Model, Text


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
    my_plan: ButtonLabel
    edit_answers: ButtonLabel
    full_plan: ButtonLabel
    step_done: ButtonLabel = Field(description="Отметить шаг сделанным")
    remind: ButtonLabel = Field(description="Включить напоминания")
    stop_reminders: ButtonLabel = Field(description="Выключить напоминания этого плана")
    open_step: ButtonLabel = Field(description="Показать шаг из напоминания")
    result_yes: ButtonLabel = Field(description="Ответ на «Получилось ли…?»")
    result_not_yet: ButtonLabel = Field(description="Ответ на «Получилось ли…?»")
    result_problem: ButtonLabel = Field(description="Ответ на «Получилось ли…?»: позовём человека")
    back_to_assistant: ButtonLabel = Field(
        description="Кнопка под ответами специалиста: закончить разговор с ним"
    )


class Progress(Model):
    """Steps marked done, reminders of the plan's deadlines, and the check-in on the result."""

    planned: Text = Field(description="Что и когда напомним: {lines}")
    planned_line: Text = Field(description="Строка плана напоминаний: {step}, {due}, {when}")
    nothing_to_remind: Text = Field(description="В плане нет сроков впереди")
    stopped: Text = Field(description="Напоминания выключены")
    reminder: Text = Field(description="Напоминание: {step}, {due}, {left}")
    due_today: Text = Field(description="Срок — сегодня")
    days: Text = Field(description="Формы слова: «день|дня|дней»")
    days_left: Text = Field(description="Сколько осталось: {days} {word}")
    checkin: Text = Field(description="«Получилось ли…?»: {step}")
    checkin_yes: Text = Field(description="Ответ на «Да»")
    checkin_not_yet: Text = Field(description="Ответ на «Ещё нет»")
    step_marked: Text = Field(description="Шаг отмечен сделанным: {step}")
    all_done: Text = Field(description="Все шаги плана сделаны")
    done_mark: Text = Field(description="Пометка сделанного шага в плане, «✓»")


class Handoff(Model):
    """What the citizen is told on the way to a person (an operator at the desk) and back."""

    ask_question: Text = Field(description="Просьба написать вопрос одним сообщением")
    queued: Text = Field(description="Вопрос в очереди: {position} — место, {wait} — ожидание")
    queued_no_estimate: Text = Field(description="В очереди, ожидание пока не оценить")
    off_hours: Text = Field(description="Специалисты не работают: {hours}, {next_open}")
    added: Text = Field(description="Сообщение добавлено к вопросу, который ещё в очереди")
    operator_says: Text = Field(description="Ответ специалиста: {text}")
    closed: Text = Field(description="Специалист завершил разговор; дальше — оценка")
    back: Text = Field(description="Гражданин вернулся к помощнику")
    survey_thanks: Text = Field(description="Спасибо за оценку помощи специалиста")
    minutes: Text = Field(description="Формы слова: «минуту|минуты|минут»")
    hours: Text = Field(description="Формы слова: «час|часа|часов»")
    weekdays: Text = Field(description="Дни недели кратко, с понедельника: «пн|вт|…|вс»")
    hours_format: Text = Field(description="Часы работы: {days}, {opens}, {closes}")
    next_open_format: Text = Field(description="Когда ответят: {weekday}, {date}, {time}")


class Commands(Model):
    """Descriptions of the bot's commands, shown in the messenger's command menu."""

    start: ButtonLabel
    menu: ButtonLabel
    help: ButtonLabel
    restart: ButtonLabel
    forget: ButtonLabel
    plan: ButtonLabel


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
    private_only: Text = Field(
        description="Ответ в групповом чате: бот отвечает только в личных сообщениях"
    )
    not_your_button: Text = Field(
        description="Уведомление, когда в групповом чате нажали кнопку, отправленную другому"
    )
    handoff: Handoff
    progress: Progress
    button_taken: Text = Field(
        description="Уведомление после нажатия кнопки в MAX (MAX требует ответить на каждое)"
    )
    forgotten: Text
    understood: Text
    which_option: Text
    date_future: Text
    dont_know_noted: Text
    plan_none: Text
    plans_choose: Text
    plan_restored: Text
    edit_prompt: Text
    answer_none: Text
    plan_updated: Text
    deadline_passed: Text
    label_if_missed: Text
    missed_unknown: Text
    followup_not_found: Text
    followup_step: Text
    no_deadline: Text
    label_source: Text
    full_plan_header: Text
    buttons: Buttons
    commands: Commands
