"""What an operator does at the desk, through the same units of work as the bots: claim a
case, reply, give it back to the queue, close it.

A reply and the close reach the citizen through the outbox the bots already sweep (the idle
survey's): each is a row committed with the case's change, sent once by whichever replica of
the citizen's channel claims it, retried if that replica dies. Closing also brings the
citizen's conversation back to the assistant, at the plan they were on, with the survey about
the operator's help."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from dialogs import handoff
from dialogs.cases import RESOLUTIONS, CaseDetail, CaseLine, CaseStatus, CaseSummary
from dialogs.contract import Outgoing, Reply
from dialogs.ports import KnowledgeBase, UnitOfWork, UnitOfWorkFactory
from dialogs.reading.reader import Reader
from dialogs.turn import Turn
from knowledge_base.errors import (
    CaseClosed,
    CaseNotFound,
    CaseNotYours,
    CaseTaken,
    InvalidReply,
)

REPLY_LIMIT = 3500  # leaves room for «Специалист: » within every channel's message


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Desk:
    def __init__(
        self,
        knowledge: KnowledgeBase,
        units: UnitOfWorkFactory,
        clock: Callable[[], dt.datetime] = _utc_now,
        idle_timeout: dt.timedelta = dt.timedelta(minutes=15),
    ) -> None:
        self.knowledge = knowledge
        self._units = units
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._reader = Reader(knowledge.lexicon)

    async def listing(self, status: CaseStatus, limit: int = 200) -> list[CaseSummary]:
        async with self._units() as uow:
            return await uow.cases.listing(status, limit)

    async def case(self, case_id: str) -> CaseDetail:
        async with self._units() as uow:
            return await _found(uow, case_id)

    async def claim(self, case_id: str, operator: str) -> None:
        async with self._units() as uow:
            found = await _found(uow, case_id)
            if not await uow.cases.claim(case_id, operator, self._clock()):
                holder = found.summary.operator
                if found.summary.status == "closed":
                    raise CaseClosed("обращение уже закрыто")
                raise CaseTaken(f"обращение уже взял(а) {holder}" if holder else
                                "обращение уже не в очереди")  # fmt: skip
            await uow.commit()

    async def reply(self, case_id: str, operator: str, text: str) -> None:
        text = text.strip()
        if not text:
            raise InvalidReply("ответ пустой: напишите, что передать гражданину")
        if len(text) > REPLY_LIMIT:
            raise InvalidReply(f"ответ длиннее {REPLY_LIMIT} символов: сократите или разбейте")
        now = self._clock()
        async with self._units() as uow:
            found = _held(await _found(uow, case_id), operator)
            await uow.cases.add_line(case_id, CaseLine("operator", text, now, operator))
            texts = self.knowledge.texts
            said = Reply(texts.handoff.operator_says.format(text=text),
                         (handoff.back_button(texts),))  # fmt: skip
            await _send(uow, found, (said,), now)
            await uow.commit()

    async def release(self, case_id: str, operator: str) -> None:
        async with self._units() as uow:
            _held(await _found(uow, case_id), operator)
            await uow.cases.release(case_id, operator)
            await uow.commit()

    async def close(self, case_id: str, operator: str, resolution: str) -> None:
        if resolution not in RESOLUTIONS:
            known = ", ".join(RESOLUTIONS)
            raise InvalidReply(f"неизвестный итог «{resolution}»; возможны: {known}")
        now = self._clock()
        async with self._units() as uow:
            found = _held(await _found(uow, case_id), operator)
            await uow.cases.close(case_id, operator, resolution, now)
            replies = await self._back_to_the_assistant(uow, found, now)
            if replies:
                await _send(uow, found, replies, now)
            await uow.commit()

    async def _back_to_the_assistant(
        self, uow: UnitOfWork, case: CaseDetail, now: dt.datetime
    ) -> tuple[Reply, ...]:
        """The citizen's conversation leaves the case and asks about the operator's help."""
        state = await uow.sessions.load(case.session_key)
        if state is None or state.handoff is None or state.handoff.case_id != case.summary.case_id:
            return ()  # they went back (or were forgotten) meanwhile: nothing to say
        turn = Turn(self.knowledge, state, now, self._reader)
        handoff.begin_survey(turn, case.summary.case_id)
        due = None if state.closed else now + self._idle_timeout
        await uow.sessions.save(case.session_key, case.address, turn.state, due)
        return tuple(turn.replies)


async def _found(uow: UnitOfWork, case_id: str) -> CaseDetail:
    found = await uow.cases.get(case_id)
    if found is None:
        raise CaseNotFound(f"обращения {case_id} нет")
    return found


def _held(case: CaseDetail, operator: str) -> CaseDetail:
    """The case is this operator's to act on."""
    summary = case.summary
    if summary.status == "closed":
        raise CaseClosed("обращение уже закрыто")
    if summary.status != "claimed":
        raise CaseNotYours("сначала возьмите обращение в работу")
    if summary.operator != operator:
        raise CaseNotYours(f"обращение ведёт {summary.operator}")
    return case


async def _send(
    uow: UnitOfWork, case: CaseDetail, replies: tuple[Reply, ...], now: dt.datetime
) -> None:
    outgoing = Outgoing(case.address, replies, case.conversation_id, uuid.uuid4().hex)
    await uow.deliveries.add(outgoing, now)
