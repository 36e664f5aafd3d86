"""The VK bot's parts: API (any server via VK_API_URL), Bots Long Poll or the Callback API."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from vkbottle import API, Bot, BotPolling, VKAPIError

from bots.channels.vk import mapping
from bots.channels.vk.config import CallbackServer
from bots.channels.vk.delivery import VkDelivery
from bots.channels.vk.mapping import CHANNEL
from bots.shared.edge import Edge
from bots.shared.intake import unless_stopped
from bots.shared.proactive import IdleSurveys
from dialogs.contract import Outgoing
from dialogs.engine import DialogEngine

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


def is_unreachable(error: Exception) -> bool:
    return isinstance(error, VKAPIError) and error.code in UNREACHABLE_CODES


def idle_surveys(delivery: VkDelivery, engine: DialogEngine, every: dt.timedelta) -> IdleSurveys:
    async def deliver(outgoing: Outgoing) -> None:
        await delivery.send(outgoing.address.chat_id, outgoing.replies)

    return IdleSurveys(engine, CHANNEL, deliver, is_unreachable, every)


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
    gets 503 and VK sends it again later. The confirmation string answers VK's check; anything
    else is refused with a 4xx, never a 500 or a trace."""
    confirmation, secret = server.confirmation, server.secret.get_secret_value()

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
            return web.Response(status=503, text="busy")
        async with edge.inflight.track():
            await bot.process_event(event)
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


def same_secret(given: Any, expected: str) -> bool:
    """Constant-time, for any value a forger sends (a number, a list, non-ASCII text)."""
    return hmac.compare_digest(str(given).encode("utf-8", "replace"), expected.encode())
