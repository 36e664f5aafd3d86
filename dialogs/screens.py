"""Screens: knowledge-base texts and buttons assembled into replies. No decisions here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from dialogs import payloads
from dialogs.contract import Button, Reply
from dialogs.plan import due_date
from dialogs.reading.followups import FollowUpMatch
from knowledge_base.model import FollowUp, Option, Place, Question, Situation, Step, Texts

SCALE = ("1", "2", "3", "4", "5")
Rows = tuple[tuple[Button, ...], ...]


def _rows(buttons: Iterable[Button]) -> Rows:
    return tuple((button,) for button in buttons)


class Screens:
    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self.labels = texts.buttons

    # Menus
    def menu_button(self) -> Button:
        return Button(self.labels.main_menu, payloads.MENU)

    def operator_button(self) -> Button:
        return Button(self.labels.operator, payloads.OPERATOR)

    def main_menu(
        self,
        categories: Sequence[tuple[str, str]],
        text: str | None = None,
        *,
        with_plans: bool = False,
    ) -> Reply:
        buttons = [Button(title, payloads.category(cid)) for cid, title in categories]
        if with_plans:
            buttons.insert(0, Button(self.labels.my_plan, payloads.MY_PLAN))
        return Reply(text or self.texts.menu_prompt, _rows(buttons), is_menu=True)

    def plan_choice(self, situations: Sequence[Situation]) -> Reply:
        buttons = [Button(s.title, payloads.plan(s.id)) for s in situations]
        return Reply(self.texts.plans_choose, (*_rows(buttons), (self.menu_button(),)))

    def back_to_plan_button(self) -> Button:
        return Button(self.labels.continue_plan, payloads.CONTINUE_PLAN)

    def category(self, title: str, situations: Sequence[Situation]) -> Reply:
        buttons = [Button(s.title, payloads.situation(s.id)) for s in situations]
        rows = (*_rows(buttons), (self.menu_button(),))
        return Reply(self.texts.category_prompt.format(category=title), rows, is_menu=True)

    def situation_choice(self, text: str, situations: Sequence[Situation]) -> Reply:
        buttons = [Button(s.title, payloads.situation(s.id)) for s in situations]
        return Reply(text, (*_rows(buttons), (self.menu_button(),)))

    def with_menu(self, text: str, *extra: Button) -> Reply:
        return Reply(text, ((*extra, self.menu_button()),) if extra else ((self.menu_button(),),))

    # Situation and questions
    def introduction(self, situation: Situation) -> Reply:
        parts = [situation.sympathy, situation.title, situation.summary]
        return Reply("\n\n".join(p for p in parts if p))

    def question(self, question: Question) -> Reply:
        options = [Button(o.label, payloads.answer(question.id, o.id)) for o in question.options]
        extra = [Button(self.labels.skip, payloads.SKIP_QUESTION)] if question.skippable else []
        text = question.text
        if question.kind == "date":
            text = f"{text}\n{self.texts.date_hint}"
        return Reply(text, (*_rows(options), (*extra, self.menu_button())))

    def which_option(self, question: Question, options: Sequence[Option]) -> Reply:
        buttons = [Button(o.label, payloads.answer(question.id, o.id)) for o in options]
        return Reply(f"{self.texts.which_option}\n\n{question.text}", _rows(buttons))

    def edit_answers(self, situation: Situation, answers: Mapping[str, str]) -> Reply:
        lines = []
        for question in situation.questions:
            value = answers.get(question.id)
            shown = answer_text(question, value) if value else self.texts.answer_none
            lines.append(f"• {question.title} — {shown}")
        text = self.texts.edit_prompt.format(answers="\n".join(lines))
        buttons = [Button(_short(q.title), payloads.edit(q.id)) for q in situation.questions]
        return Reply(text, (*_rows(buttons), (self.back_to_plan_button(),)))

    def switch_offer(self, title: str) -> Reply:
        yes = Button(self.labels.switch_yes, payloads.SWITCH_YES)
        no = Button(self.labels.switch_no, payloads.SWITCH_NO)
        return Reply(self.texts.switch_offer.format(title=title), ((yes, no),))

    # Plan
    def overview(
        self,
        situation: Situation,
        steps: Sequence[Step],
        event: dt.date | None,
        today: dt.date,
        *,
        mid_plan: bool = False,
        done: Sequence[str] = (),
        reminding: bool | None = None,
    ) -> Reply:
        """The plan's overview stays in the chat (never edited away): the citizen keeps it.

        ``reminding``: None when nothing is ahead to remind of, else whether reminders are on."""
        lines = [self.texts.plan_intro.format(title=situation.title, count=len(steps))]
        mark = self.texts.progress.done_mark
        for number, step in enumerate(steps, start=1):
            due = due_date(step.deadline, event)
            suffix = f" — {self._due(due, today)}" if due and step.id not in done else ""
            ticked = f" {mark}" if step.id in done else ""
            lines.append(f"{number}. {step.title}{ticked}{suffix}")
        if not steps:
            lines.append(self.texts.plan_empty)
            return Reply("\n".join(lines), ((self.menu_button(),),))
        onward = (
            self.back_to_plan_button() if mid_plan else Button(self.labels.next, payloads.NEXT)
        )
        reminders: Rows = ()
        if reminding is not None:
            label, payload = ((self.labels.stop_reminders, payloads.REMIND_OFF) if reminding
                              else (self.labels.remind, payloads.REMIND_ON))  # fmt: skip
            reminders = ((Button(label, payload),),)
        rows = (
            (onward,),
            (Button(self.labels.edit_answers, payloads.EDIT_ANSWERS),),
            (Button(self.labels.full_plan, payloads.FULL_PLAN),),
            *reminders,
            (self.menu_button(),),
        )
        return Reply("\n".join(lines), rows)

    def _due(self, due: dt.date, today: dt.date) -> str:
        if due < today:
            return self.texts.deadline_passed.format(date=_ru(due))
        return self.texts.label_due_date.format(date=_ru(due))

    def step_details(
        self, step: Step, event: dt.date | None, today: dt.date, *, documents: bool = True
    ) -> list[str]:
        t = self.texts
        lines = [f"{t.label_what}: {step.what}"]
        if documents and step.documents:
            lines.append(f"{t.label_documents}: {'; '.join(step.documents)}")
        lines.append(f"{t.label_where}: {'; '.join(_place(p) for p in step.where)}")
        lines += self.deadline_lines(step, event, today)
        lines.append(f"{t.label_cost}: {step.cost}")
        lines.append(f"{t.label_duration}: {step.duration}")
        return lines

    def deadline_lines(self, step: Step, event: dt.date | None, today: dt.date) -> list[str]:
        if step.deadline is None:
            return []
        t = self.texts
        due = due_date(step.deadline, event)
        when = step.deadline.text
        if due is not None:
            when = f"{self._due(due, today)} ({when})"
        lines = [f"{t.label_deadline}: {when}"]
        if due is not None and due < today:
            lines.append(f"{t.label_if_missed}: {step.if_missed or t.missed_unknown}")
        return lines

    def step(
        self,
        step: Step,
        number: int,
        total: int,
        event: dt.date | None,
        today: dt.date,
        done: bool = False,
    ) -> Reply:
        t = self.texts
        header = t.step_header.format(number=number, total=total, title=step.title)
        if done:
            header = f"{header} {t.progress.done_mark}"
        lines = [header, "", *self.step_details(step, event, today, documents=False)]
        forward = (
            Button(self.labels.next, payloads.NEXT)
            if number < total
            else Button(self.labels.finish, payloads.FINISH)
        )
        mark_done: Rows = () if done else ((Button(self.labels.step_done,
                                                    payloads.step_done(step.id)),),)  # fmt: skip
        rows = (
            (Button(self.labels.documents, payloads.DOCUMENTS), forward),
            *mark_done,
            (
                Button(self.labels.all_steps, payloads.ALL_STEPS),
                Button(self.labels.back, payloads.BACK),
            ),
            (self.menu_button(),),
        )
        return Reply("\n".join(lines), rows)

    def full_plan(
        self, situation: Situation, steps: Sequence[Step], event: dt.date | None, today: dt.date
    ) -> Reply:
        """The whole plan as one text, to forward or save."""
        blocks = [self.texts.full_plan_header.format(title=situation.title)]
        for number, step in enumerate(steps, start=1):
            details = self.step_details(step, event, today)
            blocks.append("\n".join([f"{number}. {step.title}", *details]))
        rows = ((self.back_to_plan_button(),), (self.menu_button(),))
        return Reply("\n\n".join(blocks), rows)

    def plan_documents(self, steps: Sequence[Step]) -> Reply:
        lines = [f"{self.texts.label_documents}:"]
        for step in steps:
            if step.documents:
                lines.append(f"{step.title}:")
                lines += [f"• {d}" for d in step.documents]
        if len(lines) == 1:
            return Reply(self.texts.no_documents, ((self.back_to_plan_button(),),))
        return Reply("\n".join(lines), ((self.back_to_plan_button(),),))

    # Follow-up questions
    def follow_up(self, match: FollowUpMatch, event: dt.date | None, today: dt.date) -> Reply:
        if match.faq is not None:
            return Reply(self._faq(match.faq))
        if len(match.steps) == 1:
            step = match.steps[0]
            lines = [self.texts.followup_step.format(title=step.title)]
            for aspect in match.aspects:
                lines += self._aspect(step, aspect, event, today)
            return Reply("\n".join(lines))
        blocks = []
        for number, step in enumerate(match.steps, start=1):
            found = [
                line for a in match.aspects for line in self._aspect(step, a, event, today, True)
            ]
            if found:
                blocks.append("\n".join([f"{number}. {step.title}", *found]))
        return Reply("\n\n".join(blocks) or self.texts.followup_not_found)

    def _faq(self, item: FollowUp) -> str:
        text = item.answer
        if item.url is not None:
            text += f"\n{self.texts.label_source}: {item.url}"
        return text

    def _aspect(
        self, step: Step, aspect: str, event: dt.date | None, today: dt.date, brief: bool = False
    ) -> list[str]:
        """One side of a step; ``brief`` leaves out what it lacks (in a list of all steps)."""
        t = self.texts
        if aspect == "documents":
            if step.documents:
                return [f"{t.label_documents}: {'; '.join(step.documents)}"]
            return [] if brief else [t.no_documents]
        if aspect == "where":
            return [f"{t.label_where}: {'; '.join(_place(p) for p in step.where)}"]
        if aspect == "cost":
            return [f"{t.label_cost}: {step.cost}"]
        if aspect == "duration":
            return [f"{t.label_duration}: {step.duration}"]
        if step.deadline is None:
            return [] if brief else [t.no_deadline]
        if aspect == "deadline":
            return self.deadline_lines(step, event, today)
        return [f"{t.label_if_missed}: {step.if_missed or t.missed_unknown}"]

    def documents(self, step: Step) -> Reply:
        if step.documents:
            text = "\n".join(
                [f"{self.texts.label_documents}:", *(f"• {d}" for d in step.documents)]
            )
        else:
            text = self.texts.no_documents
        return Reply(text, ((self.back_to_plan_button(),),))

    def finished(self, related: Sequence[Situation]) -> Reply:
        """Related situations are named here and offered as buttons after the survey,
        so that the survey's buttons are the only ones on screen."""
        if not related:
            return Reply(self.texts.plan_finished)
        names = "\n".join(f"• {s.title}" for s in related)
        return Reply(f"{self.texts.plan_finished}\n\n{self.texts.related_intro}\n{names}")

    def survey_thanks(self, related: Sequence[Situation]) -> Reply:
        buttons = [Button(s.title, payloads.situation(s.id)) for s in related]
        return Reply(self.texts.survey_thanks, (*_rows(buttons), (self.menu_button(),)))

    # Survey
    def survey_question(
        self, question: str, conversation_id: str, intro: str | None = None
    ) -> Reply:
        texts = {
            "csat": self.texts.survey_csat,
            "effort": self.texts.survey_effort,
            "answered": self.texts.survey_answered,
            "comment": self.texts.survey_comment,
        }
        text = f"{intro}\n\n{texts[question]}" if intro else texts[question]
        return Reply(text, self._survey_buttons(question, conversation_id))

    def _survey_buttons(self, question: str, conversation_id: str) -> Rows:
        def button(label: str, value: str) -> Button:
            return Button(label, payloads.survey(question, value, conversation_id))

        if question in ("csat", "effort"):
            return (tuple(button(v, v) for v in SCALE),)
        if question == "answered":
            labels = self.labels
            return ((
                button(labels.answered_yes, "yes"),
                button(labels.answered_partly, "partly"),
                button(labels.answered_no, "no"),
            ),)  # fmt: skip
        return ((button(self.labels.skip, "skip"),),)


def _place(place: Place) -> str:
    text = place.name
    if place.note:
        text += f" — {place.note}"
    if place.url:
        text += f" ({place.url})"
    return text


def answer_text(question: Question, value: str) -> str:
    """A stored answer as the citizen saw it: the button's label, or the date."""
    if question.kind == "date":
        try:
            return _ru(dt.date.fromisoformat(value))
        except ValueError:
            return value
    option = next((o for o in question.options if o.id == value), None)
    return option.label if option else value


def _short(label: str) -> str:
    return label if len(label) <= 40 else label[:39] + "…"


def _ru(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")
