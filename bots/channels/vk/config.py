"""What the VK channel needs to know: the community token, and the Callback API or Long Poll.

Plain data without the messenger's framework: the runtime builds it from the settings and checks
it before anything slow starts."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr


@dataclass(frozen=True, slots=True)
class CallbackServer:
    confirmation: str  # the string VK expects back when it checks the address
    secret: SecretStr  # every event must carry it
    host: str
    port: int
    path: str


@dataclass(frozen=True, slots=True)
class VkConfig:
    token: SecretStr
    group_id: int | None = None  # found from the token if unset
    api_url: str | None = None  # another VK API server (a fake, a proxy)
    callback: CallbackServer | None = None  # None: Bots Long Poll
