"""The recorder port in SQL: conversations, masked messages, survey answers and the plan steps
citizens marked done."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from functools import lru_cache

from sqlalchemy import Executable, Select, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.records import (
    ConversationOpened,
    ConversationSnapshot,
    MessageRecord,
    StepDone,
    SurveyAnswer,
)
from knowledge_base.errors import StorageError
from storage import models
from storage.batch import Write, write_later
from storage.masking import mask_personal_data
from storage.models import table_of
from storage.pseudonyms import Pseudonymizer
from storage.upsert import dialect_of, upsert

# Core statements built once and run with parameters: a turn's writes skip the ORM's
# bookkeeping and SQLAlchemy's statement construction.
_CONVERSATIONS = table_of(models.Conversation)
_MESSAGES = table_of(models.Message)
_INSERT_CONVERSATION = insert(_CONVERSATIONS)
_ANSWERS = table_of(models.SurveyAnswer)
_CASES = table_of(models.Case)
_INSERT_STEP_DONE = insert(table_of(models.StepDone))
_REMINDERS = table_of(models.Reminder)
ERASED = "[удалено]"


class SqlRecorder:
    def __init__(self, session: AsyncSession, pseudonymizer: Pseudonymizer) -> None:
        self._session = session
        self._pseudonymizer = pseudonymizer

    async def conversation_opened(self, record: ConversationOpened) -> None:
        citizen_id = await self._citizen_id(record)
        await self._session.execute(
            _INSERT_CONVERSATION,
            {
                "id": record.conversation_id,
                "citizen_id": citizen_id,
                "channel": record.channel,
                "started_at": record.started_at,
                "actions": 0,
                "not_understood": 0,
                "human_requested": False,
                "survey_asked": False,
            },
        )

    async def _citizen_id(self, record: ConversationOpened) -> int:
        pseudonym = self._pseudonymizer.pseudonym(record.channel, record.user_id)
        values = {
            "channel": record.channel,
            "pseudonym": pseudonym,
            "created_at": record.started_at,
        }
        keys = ["channel", "pseudonym"]
        await upsert(self._session, table_of(models.Citizen), values, keys, update=False)
        found = await self._session.scalar(
            select(models.Citizen.id).where(
                models.Citizen.channel == record.channel, models.Citizen.pseudonym == pseudonym
            )
        )
        if found is None:
            raise StorageError("citizen row vanished after insert")
        return found

    async def conversation_changed(self, snapshot: ConversationSnapshot) -> None:
        """Sent with the turn's other last writes (``storage.batch``)."""
        values = asdict(snapshot)
        values["id"] = values.pop("conversation_id")
        values["situations"] = " ".join(snapshot.situations) or None
        await write_later(self._session, Write(_CONVERSATIONS, values, match=("id",)))

    async def message(self, record: MessageRecord) -> None:
        """Sent with the turn's other last writes (``storage.batch``)."""
        values = {
            "conversation_id": record.conversation_id,
            "at": record.at,
            "kind": record.kind,
            "text": mask_personal_data(record.text),
            "intent": record.intent,
            "understood": record.understood,
            "follow_up": record.follow_up,
            "situation_id": record.situation_id,
        }
        await write_later(self._session, Write(_MESSAGES, values))

    async def citizen_unreachable(self, conversation_id: str, at: dt.datetime) -> None:
        await self._session.execute(
            update(_CONVERSATIONS)
            .where(_CONVERSATIONS.c.id == conversation_id)
            .values(citizen_blocked_at=at)
        )
        # The operator of an open case sees that their replies cannot arrive.
        open_cases = (_CASES.c.conversation_id == conversation_id, _CASES.c.status != "closed",
                      _CASES.c.citizen_blocked_at.is_(None))  # fmt: skip
        await self._session.execute(
            update(_CASES).where(*open_cases).values(citizen_blocked_at=at)
        )

    async def step_done(self, record: StepDone) -> None:
        await self._session.execute(_INSERT_STEP_DONE, asdict(record))

    async def forget_citizen(self, channel: str, user_id: str) -> int:
        pseudonym = self._pseudonymizer.pseudonym(channel, user_id)
        citizens = table_of(models.Citizen)
        citizen_id = await self._session.scalar(
            select(citizens.c.id).where(
                citizens.c.channel == channel, citizens.c.pseudonym == pseudonym
            )
        )
        if citizen_id is None:
            return 0
        theirs = select(_CONVERSATIONS.c.id).where(_CONVERSATIONS.c.citizen_id == citizen_id)
        outbox = table_of(models.Delivery)  # a survey not yet sent holds their chat id
        await self._session.execute(delete(outbox).where(outbox.c.conversation_id.in_(theirs)))
        # So does a reminder not yet sent, and their session key. The steps they marked done
        # stay: figures with no text, tied only to the conversation, which is unlinked below.
        await self._session.execute(
            delete(_REMINDERS).where(_REMINDERS.c.conversation_id.in_(theirs))
        )
        deleted = await self._session.execute(
            delete(_MESSAGES).where(_MESSAGES.c.conversation_id.in_(theirs))
        )
        # A comment is the citizen's own words: erased like the messages. The scores (csat,
        # effort, answered) stay for the statistics; the row stays so that a comment is still
        # counted as given. The column is NOT NULL: a marker, not NULL.
        await self._session.execute(
            update(_ANSWERS)
            .where(_ANSWERS.c.conversation_id.in_(theirs), _ANSWERS.c.question == "comment")
            .values(value=ERASED)
        )
        await self._forget_cases(theirs)
        await self._session.execute(
            update(_CONVERSATIONS)
            .where(_CONVERSATIONS.c.citizen_id == citizen_id)
            .values(citizen_id=None)
        )
        await self._session.execute(delete(citizens).where(citizens.c.id == citizen_id))
        return int(getattr(deleted, "rowcount", 0) or 0)

    async def _forget_cases(self, theirs: Select[tuple[str]]) -> None:
        """Their cases keep only what the figures need (kind, times, resolution): the lines
        and the question are their words, the chat id and session key their raw ids."""
        cases = select(_CASES.c.id).where(_CASES.c.conversation_id.in_(theirs))
        lines = table_of(models.CaseLine)
        await self._session.execute(delete(lines).where(lines.c.case_id.in_(cases)))
        erased = {"question": ERASED, "answers": "[]", "chat_id": "", "session_key": ""}
        await self._session.execute(
            update(_CASES).where(_CASES.c.conversation_id.in_(theirs)).values(erased)
        )

    async def survey_answer(self, answer: SurveyAnswer) -> None:
        values = {
            "conversation_id": answer.conversation_id,
            "question": answer.question,
            "value": mask_personal_data(answer.value),
            "answered_at": answer.at,
            "case_id": answer.case_id,
        }
        statement = _answer_upsert(dialect_of(self._session), answer.case_id is not None)
        await self._session.execute(statement, values)


@lru_cache(maxsize=4)
def _answer_upsert(dialect: str, about_case: bool) -> Executable:
    """One answer per question: per conversation about the assistant, per case about an
    operator; each key is a partial unique index, named by its WHERE."""
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    base = insert_into(_ANSWERS)
    if about_case:
        keys, where = ["case_id", "question"], _ANSWERS.c.case_id.is_not(None)
    else:
        keys, where = ["conversation_id", "question"], _ANSWERS.c.case_id.is_(None)
    changes = {"value": base.excluded.value, "answered_at": base.excluded.answered_at}
    return base.on_conflict_do_update(index_elements=keys, index_where=where, set_=changes)
