"""VK as a channel: Bots Long Poll, or the Callback API when a confirmation string is set."""

from __future__ import annotations

import asyncio

from bots.channels.contract import Channel, ChannelServices, Listener, MessengerChannel
from bots.channels.vk.app import (
    build_api,
    build_bot,
    callback_app,
    community_id,
    deliver_proactively,
    is_unreachable,
    run_long_poll,
)
from bots.channels.vk.config import VkConfig
from bots.channels.vk.delivery import VkDelivery
from bots.channels.vk.labeler import build_labeler
from bots.channels.vk.mapping import CHANNEL
from bots.shared.screens import screen_memory
from dialogs.contract import Outgoing


class VkChannel(MessengerChannel):
    name = CHANNEL

    def __init__(self, config: VkConfig, services: ChannelServices) -> None:
        screens = screen_memory(services.redis, CHANNEL)
        super().__init__(services)
        self.callback, self.group_id = config.callback, config.group_id
        self.api = build_api(config.token.get_secret_value(), config.api_url)
        self.delivery = VkDelivery(self.api, screens, services.edge.texts)
        self.bot = build_bot(self.api, build_labeler(services.edge, self.delivery, screens),
                             config.group_id)  # fmt: skip

    async def listener(self) -> Listener | None:
        server = self.callback
        if server is None:
            return None
        group = self.group_id or await community_id(self.api)
        app = callback_app(self.bot, server, group, self.edge)
        return Listener(app, server.host, server.port)

    async def poll(self, stop: asyncio.Event) -> None:
        await run_long_poll(self.bot, self.edge, stop)

    def is_unreachable(self, error: Exception) -> bool:
        return is_unreachable(error)

    async def deliver(self, outgoing: Outgoing) -> None:
        if self.group_id is None:  # the community the token belongs to, asked once
            self.group_id = await community_id(self.api)
        await deliver_proactively(self.delivery, outgoing, self.group_id)

    async def close(self) -> None:
        await self.api.http_client.close()


def build(config: VkConfig, services: ChannelServices) -> Channel:
    return VkChannel(config, services)
