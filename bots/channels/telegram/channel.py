"""Telegram as a channel: long polling, or a webhook when one is configured."""

from __future__ import annotations

import asyncio

from bots.channels.contract import Channel, ChannelServices, Listener, MessengerChannel
from bots.channels.telegram.app import (
    build_bot,
    build_dispatcher,
    deliver,
    is_unreachable,
    register_webhook,
    run_polling,
    webhook_app,
)
from bots.channels.telegram.config import TelegramConfig
from bots.channels.telegram.mapping import CHANNEL
from dialogs.contract import Outgoing


class TelegramChannel(MessengerChannel):
    """One bot token: its Bot API client and the dispatcher that routes its updates."""

    name = CHANNEL

    def __init__(self, config: TelegramConfig, services: ChannelServices) -> None:
        super().__init__(services)
        self.webhook = config.webhook
        self.bot = build_bot(config.token.get_secret_value(), config.api_url)
        self.dispatcher = build_dispatcher(services.edge)

    async def listener(self) -> Listener | None:
        if (hook := self.webhook) is not None:
            secret = hook.secret.get_secret_value()
            await register_webhook(self.bot, self.dispatcher, hook.url, secret)
            app = webhook_app(self.bot, self.dispatcher, secret, hook.path)
            return Listener(app, hook.host, hook.port)
        return None

    async def poll(self, stop: asyncio.Event) -> None:
        await run_polling(self.bot, self.dispatcher, stop=stop)

    async def deliver(self, outgoing: Outgoing) -> None:
        await deliver(self.bot, outgoing)

    def is_unreachable(self, error: Exception) -> bool:
        return is_unreachable(error)

    async def close(self) -> None:
        await self.bot.session.close()


def build(config: TelegramConfig, services: ChannelServices) -> Channel:
    return TelegramChannel(config, services)
