"""Sending to VK: random_id on every send, menus edited in place, long keyboards paged."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from typing import Any

from vkbottle import API

from bots.channels.vk.rendering import LIMITS, VkMessage, keyboard, render, render_plain
from bots.shared.layout import deliver
from bots.shared.screens import PagedKeyboard, ScreenMemory
from dialogs.contract import Reply
from knowledge_base.model import Texts


class VkDelivery:
    def __init__(self, api: API, screens: ScreenMemory, texts: Texts) -> None:
        self.api = api
        self._api = api
        self.screens = screens
        self._texts = texts

    async def send(
        self,
        peer_id: str,
        replies: Sequence[Reply],
        *,
        keyboards: bool = True,
        edit: int | None = None,
        event_id: str | None = None,
    ) -> None:
        """``edit``: the conversation_message_id of the menu a button was pressed on."""
        if keyboards:
            messages = [m for reply in replies for m in await self._render(reply)]
        else:
            messages, choices = render_plain(replies)
            await self.screens.keep_choices(peer_id, choices)
        await deliver(messages, _Peer(self, peer_id, event_id), edit)

    async def show_page(self, peer_id: str, message_id: int, token: str, page: int) -> bool:
        """Edit a paged keyboard in place; False if the pages are gone (expired)."""
        paged = await self.screens.pages(token)
        if paged is None or not 0 <= page < len(paged.pages):
            return False
        navigation = LIMITS.navigation(self._texts, token, page, paged.pages)
        markup = keyboard(paged.pages[page], navigation)
        await self.call("messages.edit", peer_id=peer_id, conversation_message_id=message_id,
                         message=paged.text, keyboard=markup)  # fmt: skip
        return True

    async def answer_button(self, pressed: dict[str, Any], notice: str | None = None) -> None:
        """Every callback button is answered, or the client keeps showing a spinner;
        ``notice`` is shown to the one who pressed it, as a snackbar."""
        shown = {"event_data": json.dumps({"type": "show_snackbar", "text": notice[:90]},
                                          ensure_ascii=False)} if notice else {}  # fmt: skip
        await self.call("messages.sendMessageEventAnswer", event_id=pressed["event_id"],
                         user_id=pressed["user_id"], peer_id=pressed["peer_id"],
                         **shown)  # fmt: skip

    async def _render(self, reply: Reply) -> list[VkMessage]:
        if LIMITS.fits(reply.buttons):
            return render(reply)
        cut = tuple(LIMITS.pages(reply.buttons))
        token = await self.screens.keep_pages(PagedKeyboard(reply.text, cut))
        return render(reply, keyboard(cut[0], LIMITS.navigation(self._texts, token, 0, cut)))

    async def call(self, method: str, **params: Any) -> Any:
        return await self._api.request(method, params)


class _Peer:
    """The outbox of one conversation; ``event_id`` makes a retried update's sends idempotent."""

    def __init__(self, delivery: VkDelivery, peer_id: str, event_id: str | None) -> None:
        self._delivery = delivery
        self._peer_id = peer_id
        self._event_id = event_id

    async def send(self, message: VkMessage, index: int) -> None:
        random_id = _random_id(self._event_id, index)
        await self._delivery.call("messages.send", random_id=random_id, **self._params(message))

    async def edit(self, target: int, message: VkMessage) -> bool:
        await self._delivery.call("messages.edit", conversation_message_id=target,
                                  **self._params(message))  # fmt: skip
        return True

    def _params(self, message: VkMessage) -> dict[str, Any]:
        params: dict[str, Any] = {"peer_id": self._peer_id, "message": message.text}
        if message.keyboard:
            params["keyboard"] = message.keyboard
        return params


def _random_id(event_id: str | None, index: int) -> int:
    """VK drops a repeated random_id: derived from the update, a retried send is not doubled."""
    if event_id is None:
        return secrets.randbelow(2**31 - 1) + 1
    digest = hashlib.sha256(f"{event_id}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1
