"""MAX updates to the shared edge, replies back, failures to it too.

maxapi's ``Dispatcher`` is not used: its ``handle`` logs and swallows every error of a handler,
so a turn the database did not keep would be acknowledged to MAX and lost; three kinds of update
are routed here by their maxapi type instead."""

from __future__ import annotations

import dataclasses

from maxapi.types import BotStarted, MessageCallback, MessageCreated
from maxapi.types.updates import UpdateUnion

from bots.channels.max import mapping
from bots.channels.max.delivery import MaxDelivery, Pressed
from bots.channels.max.rendering import LIMITS
from bots.shared import ownership
from bots.shared.edge import Edge
from dialogs.contract import IncomingEvent, Reply
from knowledge_base.errors import StorageUnavailable


class MaxRouter:
    def __init__(self, edge: Edge, delivery: MaxDelivery, username: str | None = None) -> None:
        self.edge = edge
        self.delivery = delivery
        self.username = username  # the bot's, for mentions in groups (found at start)

    async def handle(self, update: UpdateUnion) -> None:
        """One update; a failure is logged by type and apologised for, never raised, except
        a turn the database did not keep (the webhook refuses it and MAX sends it again)."""
        try:
            if isinstance(update, MessageCreated):
                await self.on_message(update)
            elif isinstance(update, MessageCallback):
                await self.on_button(update)
            elif isinstance(update, BotStarted):
                await self.on_started(update)
        except StorageUnavailable:
            raise
        except Exception as error:
            where = f"MAX update {update.update_type}"
            chat = mapping.chat_of(update)
            await self.edge.apologise(error, where, chat, self.delivery.send)

    async def on_message(self, update: MessageCreated) -> None:
        group = not mapping.is_private(update)
        if group and not self.edge.group_chats:
            if mapping.speaks_to_us(update, self.username):
                chat = str(update.message.recipient.chat_id)
                await self.delivery.send(chat, [Reply(self.edge.texts.private_only)])
            return
        await self._turn(mapping.from_message(update), group)

    async def on_started(self, update: BotStarted) -> None:
        await self._turn(mapping.from_started(update), group=False)

    async def on_button(self, update: MessageCallback) -> None:
        pressed = Pressed(update.callback.callback_id)
        incoming = mapping.from_callback(update)
        group = not mapping.is_private(update)
        if group:
            payload = ownership.claimed(incoming.payload or "", incoming.user_id)
            if not self.edge.group_chats or payload is None:  # not theirs: nothing changes
                texts = self.edge.texts
                notice = texts.not_your_button if self.edge.group_chats else texts.private_only
                await self.delivery.acknowledge(pressed, notice)
                return
            incoming = dataclasses.replace(incoming, payload=payload)
        if (turned := LIMITS.page_of(incoming.payload or "")) is not None:
            await self.delivery.show_page(pressed, *turned)
            return
        await self._turn(incoming, group, pressed)

    async def _turn(
        self, incoming: IncomingEvent, group: bool, pressed: Pressed | None = None
    ) -> None:
        admission = await self.edge.admit(mapping.CHANNEL, incoming.user_id)
        if admission.warn:
            await self.delivery.send(incoming.chat_id, self.edge.flood_warning())
        if admission.drop:
            if pressed is not None:
                await self.delivery.acknowledge(pressed)
            return
        replies = await self.edge.answer(incoming)
        if group:  # several people see these buttons: each works only for this citizen
            replies = ownership.owned(replies, incoming.user_id)
        await self.delivery.send(incoming.chat_id, replies, pressed)
