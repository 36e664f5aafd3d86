"""The outbox in SQL: a proactive message is a row until it is delivered.

Claiming takes rows nobody holds (or whose holder went silent past the lease) with
``FOR UPDATE SKIP LOCKED``, so two replicas never send the same survey; the claim is committed
before anything is sent, and the row is deleted only after delivery. A sender that dies in
between leaves the row to be claimed again after the lease: retried, never lost.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.contract import Address, Button, Outgoing, Reply
from dialogs.ports import MAX_ATTEMPTS
from storage.models import Delivery

log = logging.getLogger("lifebot.deliveries")


class SqlDeliveries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, outgoing: Outgoing, at: dt.datetime) -> None:
        self._session.add(Delivery(
            id=outgoing.delivery_id, channel=outgoing.address.channel,
            chat_id=outgoing.address.chat_id, conversation_id=outgoing.conversation_id,
            replies=dump_replies(outgoing.replies), created_at=at, attempts=0,
        ))  # fmt: skip

    async def claim(
        self, channel: str, now: dt.datetime, lease: dt.timedelta, limit: int
    ) -> list[Outgoing]:
        await self._drop_exhausted(channel)
        free = or_(Delivery.claimed_at.is_(None), Delivery.claimed_at < now - lease)
        query = (
            select(Delivery)
            .where(Delivery.channel == channel, free)
            .order_by(Delivery.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list((await self._session.scalars(query)).all())
        if rows:
            ids = [row.id for row in rows]
            claim = {"claimed_at": now, "attempts": Delivery.attempts + 1}
            await self._session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(claim))
        return [_outgoing(row) for row in rows]

    async def done(self, delivery_id: str) -> None:
        await self._session.execute(delete(Delivery).where(Delivery.id == delivery_id))

    async def _drop_exhausted(self, channel: str) -> None:
        tried = (Delivery.channel == channel, Delivery.attempts >= MAX_ATTEMPTS)
        result = await self._session.execute(delete(Delivery).where(*tried))
        if dropped := int(getattr(result, "rowcount", 0) or 0):
            log.error("%s: %s proactive messages dropped after %s attempts",
                      channel, dropped, MAX_ATTEMPTS)  # fmt: skip


def _outgoing(row: Delivery) -> Outgoing:
    address = Address(row.channel, row.chat_id)
    return Outgoing(address, load_replies(row.replies), row.conversation_id, row.id)


def dump_replies(replies: tuple[Reply, ...]) -> str:
    return json.dumps([_reply(r) for r in replies], ensure_ascii=False)


def _reply(reply: Reply) -> dict[str, Any]:
    rows = [[[b.label, b.payload] for b in row] for row in reply.buttons]
    return {"text": reply.text, "buttons": rows, "menu": reply.is_menu}


def load_replies(raw: str) -> tuple[Reply, ...]:
    return tuple(
        Reply(
            item["text"],
            tuple(
                tuple(Button(label, payload) for label, payload in row) for row in item["buttons"]
            ),
            bool(item["menu"]),
        )
        for item in json.loads(raw)
    )
