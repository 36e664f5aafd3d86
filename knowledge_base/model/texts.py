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
