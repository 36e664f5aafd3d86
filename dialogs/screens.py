"""Screens: knowledge-base texts and buttons assembled into replies. No decisions here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from dialogs import payloads
from dialogs.contract import Button, Reply
from dialogs.plan import due_date
from knowledge_base.schema import Place, Question, Situation, Step, Texts

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

    def main_menu(self, categories: Sequence[tuple[str, str]], text: str | None = None) -> Reply:
        buttons = [Button(title, payloads.category(cid)) for cid, title in categories]
        return Reply(text or self.texts.menu_prompt, _rows(buttons), is_menu=True)

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
        *,
        mid_plan: bool = False,
    ) -> Reply:
        lines = [self.texts.plan_intro.format(title=situation.title, count=len(steps))]
        for number, step in enumerate(steps, start=1):
            due = due_date(step.deadline, event)
            suffix = f" — {self.texts.label_due_date.format(date=_ru(due))}" if due else ""
            lines.append(f"{number}. {step.title}{suffix}")
        if not steps:
            lines.append(self.texts.plan_empty)
        if mid_plan:
            onward = Button(self.labels.continue_plan, payloads.CONTINUE_PLAN)
        else:
            onward = Button(self.labels.next, payloads.NEXT)
        rows = ((onward,), (self.menu_button(),)) if steps else ((self.menu_button(),),)
        return Reply("\n".join(lines), rows, is_menu=True)

    def step(self, step: Step, number: int, total: int, event: dt.date | None) -> Reply:
        t = self.texts
        header = t.step_header.format(number=number, total=total, title=step.title)
        lines = [header, "", f"{t.label_what}: {step.what}"]
        lines.append(f"{t.label_where}: {'; '.join(_place(p) for p in step.where)}")
        if step.deadline is not None:
            due = due_date(step.deadline, event)
            when = step.deadline.text
            if due is not None:
                when = f"{t.label_due_date.format(date=_ru(due))} ({when})"
            lines.append(f"{t.label_deadline}: {when}")
        lines.append(f"{t.label_cost}: {step.cost}")
        lines.append(f"{t.label_duration}: {step.duration}")
        forward = (
            Button(self.labels.next, payloads.NEXT)
            if number < total
            else Button(self.labels.finish, payloads.FINISH)
        )
        rows = (
            (Button(self.labels.documents, payloads.DOCUMENTS), forward),
            (
                Button(self.labels.all_steps, payloads.ALL_STEPS),
                Button(self.labels.back, payloads.BACK),
            ),
            (self.menu_button(),),
        )
        return Reply("\n".join(lines), rows, is_menu=True)

    def documents(self, step: Step) -> Reply:
        if step.documents:
            text = "\n".join(
                [f"{self.texts.label_documents}:", *(f"• {d}" for d in step.documents)]
            )
        else:
            text = self.texts.no_documents
        return Reply(text, ((Button(self.labels.continue_plan, payloads.CONTINUE_PLAN),),))

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


def _ru(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")
