"""The recorder port in SQL: conversations, masked messages and survey answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.records import ConversationOpened, ConversationSnapshot, MessageRecord, SurveyAnswer
from knowledge_base.errors import StorageError
from storage import models
from storage.masking import mask_personal_data
from storage.models import table_of
from storage.pseudonyms import Pseudonymizer
from storage.upsert import upsert

# Core statements built once and run with parameters: a turn's writes skip the ORM's
# bookkeeping and SQLAlchemy's statement construction.
_CONVERSATIONS = table_of(models.Conversation)
_MESSAGES = table_of(models.Message)
_SNAPSHOT_FIELDS = (
    "situation_id", "category_id", "actions", "not_understood", "human_requested", "ended_at",
    "end_reason", "last_step_id", "survey_asked", "situations",
)  # fmt: skip
_UPDATE_SNAPSHOT = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values({name: bindparam(name) for name in _SNAPSHOT_FIELDS})
)
_INSERT_MESSAGE = insert(_MESSAGES)
_INSERT_CONVERSATION = insert(_CONVERSATIONS)


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
        values = asdict(snapshot)
        values["situations"] = " ".join(snapshot.situations) or None
        await self._session.execute(_UPDATE_SNAPSHOT, values)

    async def message(self, record: MessageRecord) -> None:
        await self._session.execute(
            _INSERT_MESSAGE,
            {
                "conversation_id": record.conversation_id,
                "at": record.at,
                "kind": record.kind,
                "text": mask_personal_data(record.text),
                "intent": record.intent,
                "understood": record.understood,
                "follow_up": record.follow_up,
                "situation_id": record.situation_id,
            },
        )

    async def citizen_unreachable(self, conversation_id: str, at: dt.datetime) -> None:
        await self._session.execute(
            update(_CONVERSATIONS)
            .where(_CONVERSATIONS.c.id == conversation_id)
            .values(citizen_blocked_at=at)
        )

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
        deleted = await self._session.execute(
            delete(_MESSAGES).where(_MESSAGES.c.conversation_id.in_(theirs))
        )
        # A comment is the citizen's own words: erased like the messages. The scores (csat,
        # effort, answered) stay for the statistics; the row stays so that a comment is still
        # counted as given. The column is NOT NULL: a marker, not NULL.
        answers = table_of(models.SurveyAnswer)
        await self._session.execute(
            update(answers)
            .where(answers.c.conversation_id.in_(theirs), answers.c.question == "comment")
            .values(value="[удалено]")
        )
        await self._session.execute(
            update(_CONVERSATIONS)
            .where(_CONVERSATIONS.c.citizen_id == citizen_id)
            .values(citizen_id=None)
        )
        await self._session.execute(delete(citizens).where(citizens.c.id == citizen_id))
        return int(getattr(deleted, "rowcount", 0) or 0)

    async def survey_answer(self, answer: SurveyAnswer) -> None:
        values = {
            "conversation_id": answer.conversation_id,
            "question": answer.question,
            "value": mask_personal_data(answer.value),
            "answered_at": answer.at,
        }
        keys = ["conversation_id", "question"]
        await upsert(self._session, table_of(models.SurveyAnswer), values, keys)
