"""The MAX bot's parts: the Bot API client (any server via MAX_API_URL, TLS trusting the
Russian Trusted Root CA), long polling or a webhook, and the subscriptions that choose
between them.

MAX delivers an update either to a webhook subscription or to long polling, never both: while a
subscription is active, ``GET /updates`` answers 405. At start the mode is made what the
settings say: polling removes every subscription; the webhook removes the ones to other
addresses and subscribes its own (with the secret)."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from pathlib import Path
from typing import Any

from aiohttp import TCPConnector, web
from maxapi import Bot
from maxapi.client.default import DefaultConnectionProperties
from maxapi.enums.update import UpdateType
from maxapi.exceptions.max import InvalidToken, MaxApiError

from bots.channels.max import mapping
from bots.channels.max.delivery import MaxDelivery
from bots.channels.max.handlers import MaxRouter
from bots.shared.edge import Edge
from bots.shared.intake import unless_stopped
from bots.shared.web import busy, turned_away, unavailable
from dialogs.contract import Outgoing
from knowledge_base.errors import ConfigurationError, StorageUnavailable

log = logging.getLogger("lifebot.max")
POLL_SECONDS = 25  # how long one GET /updates waits for news (MAX allows up to 90)
REQUEST_SECONDS = POLL_SECONDS + 15  # any one request; a long poll must fit in it
UPDATE_TYPES = [UpdateType.MESSAGE_CREATED, UpdateType.MESSAGE_CALLBACK, UpdateType.BOT_STARTED]
SECRET_HEADER = "X-Max-Bot-Api-Secret"
SUBSCRIBED = 405  # GET /updates while a webhook subscription is active
RETRY_SECONDS = 1.0
POLL_INTERVAL = 0.5  # MAX allows long polling 2 requests a second


def build_bot(token: str, api_url: str | None = None, ca_bundle: Path | None = None) -> Bot:
    """``api_url``: another server (the tests' fake); ``ca_bundle``: trust this file (and the
    system's roots) instead of the Минцифры root that maxapi bundles."""
    options: dict[str, Any] = {}
    if ca_bundle is not None:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=str(ca_bundle))
        options["connector"] = TCPConnector(ssl=context)  # closed by ``close_bot``
    connection = DefaultConnectionProperties(timeout=REQUEST_SECONDS, sock_connect=10,
                                             max_retries=2, **options)  # fmt: skip
    # auto_requests would cost a GET /chats/{id} per update to fill in what we never read.
    bot = Bot(token, auto_requests=False, default_connection=connection)
    if api_url:
        bot.set_api_url(api_url)
    return bot


async def close_bot(bot: Bot) -> None:
    await bot.close_session()
    connector = bot.default_connection.kwargs.get("connector")
    if connector is not None:
        await connector.close()


async def bot_username(bot: Bot) -> str | None:
    """The bot's own name (for mentions in groups); a token MAX does not know stops here."""
    try:
        me = await bot.get_me()
    except InvalidToken:
        raise ConfigurationError("MAX не принял MAX_BOT_TOKEN: проверьте токен бота") from None
    return me.username


def is_unreachable(error: Exception) -> bool:
    """403 «chat.denied»: the citizen stopped or blocked the bot."""
    if not isinstance(error, MaxApiError) or error.code != 403:
        return False
    raw = error.raw if isinstance(error.raw, dict) else {}
    return raw.get("code") == "chat.denied" or "dialog" in str(raw.get("message", ""))


async def deliver_proactively(delivery: MaxDelivery, outgoing: Outgoing) -> None:
    if mapping.is_group_chat(outgoing.address.chat_id):  # others would see who asked what
        log.info("a proactive message for a group chat is not sent")
        return
    await delivery.send(outgoing.address.chat_id, outgoing.replies)


# Long polling


async def use_long_polling(bot: Bot) -> None:
    """Remove every webhook subscription: while one is active, long polling gets nothing."""
    found = await bot.get_subscriptions()
    for subscription in found.subscriptions:
        await bot.unsubscribe_webhook(subscription.url)
        log.warning("a MAX webhook subscription was removed to use long polling")


async def run_polling(bot: Bot, router: MaxRouter, stop: asyncio.Event) -> None:
    """Long polling until ``stop`` is set, at least once: a batch is confirmed (by the
    ``marker`` of the next request) only after every update in it was handled, so updates a
    crash interrupts come again; at most ``edge.capacity`` are handled at once."""
    await use_long_polling(bot)
    marker: int | None = None
    while not stop.is_set():
        asked = time.monotonic()
        batch = await _next_batch(bot, marker, stop)
        if batch is None:
            return
        updates, next_marker = batch
        await asyncio.gather(*(_handle(router, raw) for raw in updates))
        marker = next_marker if next_marker is not None else marker
        await asyncio.sleep(max(0.0, POLL_INTERVAL - (time.monotonic() - asked)))


async def _next_batch(
    bot: Bot, marker: int | None, stop: asyncio.Event
) -> tuple[list[Any], int | None] | None:
    """The next updates and marker; ([], marker) after a failed request; None when stopped."""
    request = bot.get_updates(timeout=POLL_SECONDS, marker=marker, types=UPDATE_TYPES)
    if (fetch := await unless_stopped(request, stop)) is None:
        return None
    try:
        found = fetch.result()
    except MaxApiError as error:
        if error.code == SUBSCRIBED:  # someone subscribed a webhook since: polling again
            log.warning("MAX long polling found a webhook subscription; removing it")
            await _quietly(use_long_polling(bot))
        else:
            log.warning("MAX GET /updates failed (%s); retrying", error.code)
        await asyncio.sleep(RETRY_SECONDS)
        return [], marker
    except Exception as error:  # the network: wait a little and ask again
        log.warning("MAX GET /updates failed (%s); retrying", type(error).__name__)
        await asyncio.sleep(RETRY_SECONDS)
        return [], marker
    updates = found.get("updates") if isinstance(found, dict) else None
    next_marker = found.get("marker") if isinstance(found, dict) else None
    return list(updates or []), next_marker if isinstance(next_marker, int) else None


async def _quietly(attempt: Any) -> None:
    try:
        await attempt
    except Exception as error:
        log.warning("MAX subscriptions could not be changed (%s)", type(error).__name__)


async def _handle(router: MaxRouter, raw: Any) -> None:
    update = mapping.parse(raw) if isinstance(raw, dict) else None
    if update is None:
        log.warning("MAX long poll: a malformed update skipped")  # its content may be personal
        return
    edge = router.edge
    async with edge.slot(), edge.inflight.track():
        try:
            await router.handle(update)
        except StorageUnavailable:  # retried in place by the edge until its patience ran out
            log.error("MAX update not kept: the database is unavailable")


# Webhook


async def use_webhook(bot: Bot, url: str, secret: str) -> None:
    """Subscribe ``url`` with ``secret``; subscriptions to other addresses are removed."""
    found = await bot.get_subscriptions()
    for subscription in found.subscriptions:
        if subscription.url != url:
            await bot.unsubscribe_webhook(subscription.url)
            log.warning("a MAX webhook subscription to another address was removed")
    await bot.subscribe_webhook(url, update_types=UPDATE_TYPES, secret=secret)


def webhook_app(router: MaxRouter, secret: str, path: str) -> web.Application:
    """An aiohttp app whose ``path`` takes MAX's updates, at least once: the 200 goes out only
    after the update was handled and committed, so MAX redelivers what a crash interrupts (the
    update's claim makes a redelivery a no-op). When as many turns run as the database can
    serve (after a second in line, ``Edge.pushed``), or while it is unavailable, the update
    gets 503 and MAX sends it again later.

    A wrong or missing secret gets 401 and is not handled; a body that is not an update gets
    400 (logged without its content); never a 500."""
    edge: Edge = router.edge
    edge.redelivered = True

    async def receive(request: web.Request) -> web.Response:
        if (refusal := turned_away(edge, request, SECRET_HEADER, secret)) is not None:
            return refusal
        raw = await _json_object(request)
        if raw is None:
            return web.Response(status=400, text="bad request")
        if not mapping.ours(raw):
            return web.json_response({"ok": True})  # a kind we never asked for
        update = mapping.parse(raw)
        if update is None:
            log.warning("MAX webhook: a malformed %s refused", raw.get("update_type"))
            return web.Response(status=400, text="bad request")
        try:
            async with edge.pushed() as admitted:
                if not admitted:
                    return busy()
                await router.handle(update)
        except StorageUnavailable:  # nothing was kept: MAX sends the update again
            return unavailable()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post(path, receive)
    return app


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        log.warning("MAX webhook request refused: not JSON")
        return None
    return body if isinstance(body, dict) else None
