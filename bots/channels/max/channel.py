"""MAX as a channel: long polling, or a webhook when MAX_WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio

from bots.channels.contract import Channel, ChannelServices, Listener, MessengerChannel
from bots.channels.max.app import (
    bot_username,
    build_bot,
    close_bot,
    deliver_proactively,
    is_unreachable,
    run_polling,
    use_webhook,
    webhook_app,
)
from bots.channels.max.config import MaxConfig
from bots.channels.max.delivery import MaxDelivery
from bots.channels.max.handlers import MaxRouter
from bots.channels.max.mapping import CHANNEL
from bots.shared.pacing import Pace
from bots.shared.screens import screen_memory
from dialogs.contract import Outgoing


class MaxChannel(MessengerChannel):
    name = CHANNEL

    def __init__(self, config: MaxConfig, services: ChannelServices) -> None:
        super().__init__(services)
        self.webhook = config.webhook
        self.bot = build_bot(config.token.get_secret_value(), config.api_url, config.ca_bundle)
        pace = Pace(per_second=config.per_second, chat_gap=config.chat_gap)
        screens = screen_memory(services.redis, CHANNEL)
        self.delivery = MaxDelivery(self.bot, screens, services.edge.texts, pace)
        self.router = MaxRouter(services.edge, self.delivery)

    async def listener(self) -> Listener | None:
        self.router.username = await bot_username(self.bot)
        if (hook := self.webhook) is None:
            return None
        secret = hook.secret.get_secret_value()
        await use_webhook(self.bot, hook.url, secret)
        return Listener(webhook_app(self.router, secret, hook.path), hook.host, hook.port)

    async def poll(self, stop: asyncio.Event) -> None:
        await run_polling(self.bot, self.router, stop)

    async def deliver(self, outgoing: Outgoing) -> None:
        await deliver_proactively(self.delivery, outgoing)

    def is_unreachable(self, error: Exception) -> bool:
        return is_unreachable(error)

    async def close(self) -> None:
        await close_bot(self.bot)


def build(config: MaxConfig, services: ChannelServices) -> Channel:
    return MaxChannel(config, services)
