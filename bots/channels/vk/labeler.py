"""The labeler: VK messages and callback buttons to the engine; errors to the log and apology."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from vkbottle.framework.labeler import BotLabeler
from vkbottle_types.events import GroupEventType

from bots.channels.vk import mappers
from bots.channels.vk.delivery import VkDelivery
from bots.channels.vk.render import PAGE_PREFIX
from bots.channels.vk.screens import ScreenMemory
from bots.runtime.lifecycle import InFlight
from bots.shared.edge import answer
from bots.shared.flood import FloodControl, hold
from dialogs.contract import Reply
from dialogs.engine import DialogEngine

log = logging.getLogger("lifebot.vk")
Handler = Callable[[dict[str, Any]], Awaitable[None]]


def build_labeler(
    engine: DialogEngine,
    delivery: VkDelivery,
    screens: ScreenMemory,
    flood: FloodControl | None = None,
    inflight: InFlight | None = None,
) -> BotLabeler:
    labeler = BotLabeler()
    guard = _guarded(engine, delivery, inflight or InFlight())

    async def on_message(event: dict[str, Any]) -> None:
        message = event["object"]["message"]
        peer = str(message["peer_id"])
        if not await _admitted(flood, engine, delivery, peer, str(message["from_id"])):
            return
        keyboards = mappers.shows_inline_keyboards(event)
        choices = () if keyboards else await screens.choices(peer)
        incoming = mappers.from_message_new(event, choices)
        replies = await answer(engine, incoming)
        await delivery.send(peer, replies, keyboards=keyboards, event_id=incoming.event_id)

    async def on_button(event: dict[str, Any]) -> None:
        pressed = event["object"]
        await delivery.answer_button(pressed)
        incoming = mappers.from_message_event(event)
        if await _paged(delivery, incoming.chat_id, pressed, incoming.payload or ""):
            return
        if not await _admitted(flood, engine, delivery, incoming.chat_id, incoming.user_id):
            return
        replies = await answer(engine, incoming)
        cmid = pressed.get("conversation_message_id")
        await delivery.send(incoming.chat_id, replies, edit=cmid, event_id=incoming.event_id)

    labeler.raw_event(GroupEventType.MESSAGE_NEW, dict)(guard(on_message))
    labeler.raw_event(GroupEventType.MESSAGE_EVENT, dict)(guard(on_button))
    return labeler


async def _paged(delivery: VkDelivery, peer: str, pressed: dict[str, Any], payload: str) -> bool:
    """«Ещё…» and «← Назад» under a long keyboard turn its pages; the engine never sees them."""
    if not payload.startswith(f"{PAGE_PREFIX}:"):
        return False
    _, token, page = payload.split(":")
    message_id = int(pressed.get("conversation_message_id") or 0)
    if not await delivery.show_page(peer, message_id, token, int(page)):
        await delivery.send(peer, [], keyboards=True)
    return True


async def _admitted(
    flood: FloodControl | None, engine: DialogEngine, delivery: VkDelivery, peer: str, user: str
) -> bool:
    if flood is None:
        return True
    admission = await hold(flood, mappers.CHANNEL, user)
    if admission.warn:
        await delivery.send(peer, [Reply(engine.knowledge.texts.flood_warning)])
    return not admission.drop


def _guarded(
    engine: DialogEngine, delivery: VkDelivery, inflight: InFlight
) -> Callable[[Handler], Handler]:
    """The one error handler: log the event with context (never its text), apologise. Every
    event is counted while handled, so that shutdown can wait for it."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(event: dict[str, Any]) -> None:
            try:
                async with inflight.track():
                    await handler(event)
            except Exception:
                log.exception("VK event %s (%s) failed", event.get("event_id"), event.get("type"))
                await _apologise(engine, delivery, event)

        return guarded

    return wrap


async def _apologise(engine: DialogEngine, delivery: VkDelivery, event: dict[str, Any]) -> None:
    body = event.get("object") or {}
    peer = (body.get("message") or body).get("peer_id")
    if peer is None:
        return
    try:
        await delivery.send(str(peer), [Reply(engine.knowledge.texts.apology)])
    except Exception:  # best effort: the log already has the cause
        log.warning("apology to VK peer %s not delivered", peer)
