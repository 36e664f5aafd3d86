"""The labeler: VK messages and callback buttons to the shared edge; failures to it too."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from vkbottle.framework.labeler import BotLabeler
from vkbottle_types.events import GroupEventType

from bots.channels.vk import mapping
from bots.channels.vk.delivery import VkDelivery
from bots.channels.vk.rendering import LIMITS
from bots.shared import ownership
from bots.shared.edge import Edge
from bots.shared.screens import ScreenMemory
from dialogs.contract import Reply
from knowledge_base.errors import StorageUnavailable

Handler = Callable[[dict[str, Any]], Awaitable[None]]


def build_labeler(edge: Edge, delivery: VkDelivery, screens: ScreenMemory) -> BotLabeler:
    labeler = BotLabeler()
    guard = _guarded(edge, delivery)

    async def on_message(event: dict[str, Any]) -> None:
        message = event["object"]["message"]
        peer = str(message["peer_id"])
        group = not mapping.is_private(peer)
        if group and not edge.group_chats:
            if mapping.speaks_to_us(event):
                await delivery.send(peer, [Reply(edge.texts.private_only)])
            return
        if not await _admitted(edge, delivery, peer, str(message["from_id"])):
            return
        keyboards = mapping.shows_inline_keyboards(event)
        choices = () if keyboards or group else await screens.choices(peer)
        incoming = mapping.from_message_new(event, choices)
        replies = await edge.answer(incoming)
        if group:  # several people see these buttons: each works only for this citizen
            replies = ownership.owned(replies, incoming.user_id)
        await delivery.send(peer, replies, keyboards=keyboards, event_id=incoming.event_id)

    async def on_button(event: dict[str, Any]) -> None:
        pressed = event["object"]
        incoming = mapping.from_message_event(event)
        group = not mapping.is_private(incoming.chat_id)
        if group:
            payload = ownership.claimed(incoming.payload or "", incoming.user_id)
            if not edge.group_chats or payload is None:  # someone else's: nothing changes
                notice = edge.texts.not_your_button if edge.group_chats else None
                await delivery.answer_button(pressed, notice)
                return
            incoming = dataclasses.replace(incoming, payload=payload)
        await delivery.answer_button(pressed)
        if await _paged(delivery, incoming.chat_id, pressed, incoming.payload or ""):
            return
        if not await _admitted(edge, delivery, incoming.chat_id, incoming.user_id):
            return
        replies = await edge.answer(incoming)
        if group:
            replies = ownership.owned(replies, incoming.user_id)
        cmid = pressed.get("conversation_message_id")
        await delivery.send(incoming.chat_id, replies, edit=cmid, event_id=incoming.event_id)

    labeler.raw_event(GroupEventType.MESSAGE_NEW, dict)(guard(on_message))
    labeler.raw_event(GroupEventType.MESSAGE_EVENT, dict)(guard(on_button))
    return labeler


async def _paged(delivery: VkDelivery, peer: str, pressed: dict[str, Any], payload: str) -> bool:
    """«Ещё…» and «← Назад» under a long keyboard turn its pages; the engine never sees them."""
    if (turned := LIMITS.page_of(payload)) is None:
        return False
    token, page = turned
    message_id = int(pressed.get("conversation_message_id") or 0)
    if not await delivery.show_page(peer, message_id, token, page):
        await delivery.send(peer, [], keyboards=True)
    return True


async def _admitted(edge: Edge, delivery: VkDelivery, peer: str, user: str) -> bool:
    admission = await edge.admit(mapping.CHANNEL, user)
    if admission.warn:
        await delivery.send(peer, edge.flood_warning())
    return not admission.drop


def _guarded(edge: Edge, delivery: VkDelivery) -> Callable[[Handler], Handler]:
    """A failure goes to the edge, which logs it by type (never the event's text) and
    apologises. (The intake that took the event counts it in flight.)"""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(event: dict[str, Any]) -> None:
            try:
                await handler(event)
            except StorageUnavailable:
                raise  # not kept: the Callback API refuses it and VK redelivers
            except Exception as error:
                where = f"VK event {event.get('event_id')} ({event.get('type')})"
                await edge.apologise(error, where, mapping.peer_of(event), delivery.send)

        return guarded

    return wrap
