"""The VK bot's parts: API (any server via VK_API_URL), Bots Long Poll or the Callback API."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from vkbottle import API, Bot, BotPolling, ErrorHandler, VKAPIError

from bots.channels.vk import mapping
from bots.channels.vk.config import CallbackServer
from bots.channels.vk.delivery import VkDelivery
from bots.channels.vk.mapping import CHANNEL
from bots.shared.edge import Edge
from bots.shared.intake import unless_stopped
from bots.shared.proactive import IdleSurveys
from bots.shared.web import busy, same_secret, unavailable
from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine
from knowledge_base.errors import ChannelError, StorageUnavailable

log = logging.getLogger("lifebot.vk")
# «Can't send messages to this user»: they forbade messages from the community or blocked it.
UNREACHABLE_CODES = frozenset({7, 900, 901, 902})


def build_api(token: str, api_url: str | None = None) -> API:
    """``api_url`` like ``http://127.0.0.1:8082/method/``: every request goes to url + method."""
    api = API(token)
    if api_url:
        api.API_URL = api_url if api_url.endswith("/") else api_url + "/"
    return api


async def community_id(api: API) -> int:
    """The community the token belongs to (``groups.getById`` without ids)."""
    found = await api.request("groups.getById", {})
    return int(found["response"]["groups"][0]["id"])


def build_bot(api: API, labeler: Any, group_id: int | None) -> Bot:
    return Bot(api=api, labeler=labeler, polling=BotPolling(api, group_id=group_id))


class MessagesForbidden(ChannelError):
    """The citizen does not allow the community to write to them (checked before a proactive
    message, as VK asks: sending anyway only earns an error)."""


def is_unreachable(error: Exception) -> bool:
    if isinstance(error, MessagesForbidden):
        return True
    return isinstance(error, VKAPIError) and error.code in UNREACHABLE_CODES


async def messages_allowed(api: API, group_id: int, user_id: str) -> bool:
    found = await api.request(
        "messages.isMessagesFromGroupAllowed", {"group_id": group_id, "user_id": user_id}
    )
    return bool(found["response"]["is_allowed"])


def idle_surveys(delivery: VkDelivery, engine: DialogEngine, every: dt.timedelta) -> IdleSurveys:
    async def deliver(outgoing: Outgoing) -> None:
        await deliver_proactively(delivery, outgoing)

    return IdleSurveys(engine, CHANNEL, deliver, is_unreachable, every)


async def deliver_proactively(
    delivery: VkDelivery, outgoing: Outgoing, group_id: int | None = None
) -> None:
    """``group_id``: check first that the citizen allows the community's messages."""
    peer = outgoing.address.chat_id
    if not mapping.is_private(peer):  # others would see who asked what
        log.info("a proactive message for a group conversation is not sent")
        return
    if group_id is not None and not await messages_allowed(delivery.api, group_id, peer):
        raise MessagesForbidden("the citizen does not allow messages from the community")
    await delivery.send(peer, outgoing.replies)


async def run_long_poll(
    bot: Bot, edge: Edge, stop: asyncio.Event, idle: IdleSurveys | None = None
) -> None:
    """Bots Long Poll until ``stop`` is set, at least once: the next batch is asked for (and
    vkbottle keeps its ``ts``) only after every event of this one was handled; at most
    ``edge.capacity`` are handled at once."""
    if idle is not None:
        idle.start()
    batches = bot.polling.listen()
    try:
        while (batch := await _next_batch(batches, stop)) is not None:
            await asyncio.gather(*(_handle(bot, edge, event) for event in batch))
    finally:
        bot.polling.stop()
        if idle is not None:
            await idle.stop()


async def _next_batch(
    batches: AsyncIterator[dict[str, Any]], stop: asyncio.Event
) -> list[dict[str, Any]] | None:
    fetch = await unless_stopped(anext(batches), stop)
    return None if fetch is None else list(fetch.result().get("updates") or [])


async def _handle(bot: Bot, edge: Edge, event: dict[str, Any]) -> None:
    if not mapping.well_formed(event):
        log.warning("VK long poll: a malformed %s event skipped", _kind(event))
        return
    async with edge.slot(), edge.inflight.track():
        await bot.process_event(event)  # the labeler's guard logs and apologises


def callback_app(bot: Bot, server: CallbackServer, group_id: int, edge: Edge) -> web.Application:
    """VK's Callback API for community ``group_id``, at least once: «ok» goes out only after
    the event was handled and committed, so VK redelivers what a crash interrupts (the claim
    makes a redelivery a no-op). When as many turns run as the database can serve, the event
    waits in line a second at most (``Edge.pushed``), then gets 503 and VK sends it again;
    so does one that comes while the database is unavailable. The confirmation string
    answers VK's check; anything else is refused with a 4xx, never a 500 or a trace."""
    confirmation, secret = server.confirmation, server.secret.get_secret_value()
    edge.redelivered = True
    # The labeler's guard handles every failure itself; what it lets through (an event not
    # kept) must reach ``receive`` below, not vkbottle's handler, which would log and drop it.
    bot.error_handler = ErrorHandler(raise_exceptions=True)

    async def receive(request: web.Request) -> web.Response:
        event = await _event_of(request)
        if event is None:
            return web.Response(status=400, text="bad request")
        if event.get("group_id") != group_id:
            log.warning("VK callback for another community refused")
            return web.Response(status=403, text="wrong group")
        if event.get("type") == "confirmation":
            return web.Response(text=confirmation)
        if not same_secret(event.get("secret"), secret):
            log.warning("VK callback with a wrong secret rejected")
            return web.Response(status=403, text="wrong secret")
        if not mapping.well_formed(event):
            log.warning("VK callback with a malformed %s event refused", _kind(event))
            return web.Response(status=400, text="bad request")
        if edge.saturated:
            return busy()
        try:
            async with edge.pushed() as admitted:
                if not admitted:
                    return busy()
                await bot.process_event(event)
        except StorageUnavailable:  # nothing was kept: without «ok» VK sends it again
            return unavailable()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(server.path, receive)
    return app


def _kind(event: dict[str, Any]) -> str:
    kind = event.get("type")
    return kind if isinstance(kind, str) and kind.isidentifier() else "unknown"


async def _event_of(request: web.Request) -> dict[str, Any] | None:
    """The event, if the body is a JSON object; malformed bodies are nobody's event."""
    try:
        event = await request.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) else None
