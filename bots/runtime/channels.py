"""The one place that knows every channel: how its settings become its config, and how it is
built by name. Adding a channel is a folder under ``bots/channels/`` and one entry here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bots.channels.console.config import ConsoleConfig
from bots.channels.contract import Channel, ChannelServices
from bots.channels.max.config import MaxConfig, MaxWebhook
from bots.channels.telegram.config import TelegramConfig, Webhook
from bots.channels.vk.config import CallbackServer, VkConfig
from bots.runtime.settings import Settings
from knowledge_base.errors import ConfigurationError

T = TypeVar("T")


def required(value: T | None, missing: str) -> T:
    """A setting the channel cannot start without; ``missing`` says which and where to get it."""
    if value is None:
        raise ConfigurationError(missing)
    return value


def telegram_config(settings: Settings) -> TelegramConfig:
    token = required(
        settings.telegram_bot_token, "задайте TELEGRAM_BOT_TOKEN (токен от @BotFather)"
    )
    webhook = None
    if settings.webhook_url:
        secret = required(
            settings.webhook_secret,
            "для вебхука задайте WEBHOOK_SECRET (проверяется в каждом запросе)",
        )
        webhook = Webhook(settings.webhook_url, secret, settings.webhook_host,
                          settings.webhook_port, settings.webhook_path)  # fmt: skip
    return TelegramConfig(token, settings.telegram_api_url, webhook)


def vk_config(settings: Settings) -> VkConfig:
    token = required(settings.vk_group_token, "задайте VK_GROUP_TOKEN (ключ доступа сообщества)")
    callback = None
    if settings.vk_callback_confirmation:
        secret = required(
            settings.vk_callback_secret,
            "для Callback API задайте VK_CALLBACK_SECRET (секретный ключ)",
        )
        callback = CallbackServer(settings.vk_callback_confirmation, secret,
                                  settings.vk_callback_host, settings.vk_callback_port,
                                  settings.vk_callback_path)  # fmt: skip
    return VkConfig(token, settings.vk_group_id, settings.vk_api_url, callback)


def max_config(settings: Settings) -> MaxConfig:
    token = required(settings.max_bot_token,
                     "задайте MAX_BOT_TOKEN (токен бота из кабинета business.max.ru)")  # fmt: skip
    bundle = settings.max_ca_bundle
    if bundle is not None and not bundle.is_file():
        raise ConfigurationError(f"MAX_CA_BUNDLE: нет файла {bundle}")
    webhook = None
    if settings.max_webhook_url:
        if not settings.max_webhook_url.startswith("https://"):
            raise ConfigurationError(
                "MAX_WEBHOOK_URL: MAX доставляет только на https:// (порт 443)"
            )
        secret = required(
            settings.max_webhook_secret,
            "для вебхука MAX задайте MAX_WEBHOOK_SECRET (проверяется в каждом запросе)",
        )
        webhook = MaxWebhook(settings.max_webhook_url, secret, settings.max_webhook_host,
                             settings.max_webhook_port, settings.max_webhook_path)  # fmt: skip
    return MaxConfig(token, settings.max_api_url, webhook, bundle,
                     settings.max_requests_per_second, settings.max_chat_gap_seconds)  # fmt: skip


def console_config(settings: Settings, user: str = "local") -> ConsoleConfig:
    return ConsoleConfig(user=user)


@dataclass(frozen=True, slots=True)
class Registration:
    module: str  # has ``build(config, services)``; imported only when the channel runs
    configure: Callable[..., Any]  # settings (and command options) → the channel's config
    extra: str | None = None  # the pip extra its framework comes from
    messenger: bool = True  # a bot process: health server, housekeeping, a migrated database


CHANNELS: dict[str, Registration] = {
    "telegram": Registration("bots.channels.telegram.channel", telegram_config, "telegram"),
    "vk": Registration("bots.channels.vk.channel", vk_config, "vk"),
    "max": Registration("bots.channels.max.channel", max_config, "max"),
    "console": Registration("bots.channels.console.channel", console_config, messenger=False),
}


def registration(name: str) -> Registration:
    try:
        return CHANNELS[name]
    except KeyError:
        known = ", ".join(sorted(CHANNELS))
        raise ConfigurationError(f"неизвестный канал «{name}»; есть: {known}") from None


def channel_config(name: str, settings: Settings, **options: Any) -> Any:
    """The channel's config, checked: a missing token is said before anything slow starts."""
    return registration(name).configure(settings, **options)


def build_channel(name: str, config: Any, services: ChannelServices) -> Channel:
    entry = registration(name)
    try:
        module = importlib.import_module(entry.module)
    except ImportError as error:
        raise ConfigurationError(
            f"для канала {name} установите дополнение: pip install 'lifebot[{entry.extra}]'"
        ) from error
    channel: Channel = module.build(config, services)
    return channel
