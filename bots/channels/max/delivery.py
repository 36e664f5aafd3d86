"""Sending to MAX: paced (30 requests a second per bot, a gap between messages into one
dialog, a 429 waited out), every button press answered, menus edited in place, long
keyboards paged.

MAX requires an answer (``POST /answers``) to every callback, and an empty one is an error:
a menu replaces the pressed message through that answer; otherwise the answer is a short
notification and the replies are sent as new messages."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from maxapi import Bot
from maxapi.exceptions.max import MaxApiError
from maxapi.types.updates.message_callback import MessageForCallback

from bots.channels.max.mapping import USER_CHAT
from bots.channels.max.rendering import FORMAT, LIMITS, MaxMessage, keyboard, render
from bots.shared.layout import deliver
from bots.shared.pacing import Pace, Pacer
from bots.shared.screens import PagedKeyboard, ScreenMemory
from dialogs.contract import Reply
from knowledge_base.model import Texts

THROTTLED = 429


def is_throttled(error: Exception) -> bool:
    return isinstance(error, MaxApiError) and error.code == THROTTLED


@dataclass(slots=True)
class Pressed:
    """A button press still to be answered; it is answered exactly once."""

    callback_id: str
    answered: bool = False


class MaxDelivery:
    def __init__(
        self, bot: Bot, screens: ScreenMemory, texts: Texts, pace: Pace | None = None
    ) -> None:
        self.bot = bot
        self.screens = screens
        self._texts = texts
        self.pacer = Pacer(pace or Pace(), is_throttled)

    async def send(
        self, chat: str, replies: Sequence[Reply], pressed: Pressed | None = None
    ) -> None:
        """The turn's replies; ``pressed``: the button they answer (answered here)."""
        messages = [m for reply in replies for m in await self._render(reply)]
        if pressed is not None and not (messages and messages[0].is_menu):
            await self.acknowledge(pressed)  # the spinner stops before the messages go
        await deliver(messages, _Dialog(self, chat), pressed)
        if pressed is not None:
            await self.acknowledge(pressed)

    async def acknowledge(self, pressed: Pressed, notice: str | None = None) -> None:
        """Answer a press with a notification, unless it was answered already."""
        if pressed.answered:
            return
        text = notice or self._texts.button_taken
        await self.pacer.call(None, lambda: self.bot.send_callback(pressed.callback_id,
                                                                   notification=text))  # fmt: skip
        pressed.answered = True

    async def replace(self, pressed: Pressed, message: MaxMessage) -> bool:
        """The pressed message becomes ``message`` (the answer to the press); False if MAX
        refused it (the press is then answered with a notification instead)."""
        if pressed.answered:
            return False
        shown = MessageForCallback(text=message.text, attachments=message.attachments,
                                   format=FORMAT, notify=False)  # fmt: skip
        try:
            await self.pacer.call(None, lambda: self.bot.send_callback(pressed.callback_id,
                                                                       message=shown))  # fmt: skip
        except MaxApiError as error:
            if error.code != 400:
                raise
            return False
        pressed.answered = True
        return True

    async def show_page(self, pressed: Pressed, token: str, page: int) -> None:
        """Turn a paged keyboard in place; pages long gone (a day) get a notification."""
        paged = await self.screens.pages(token)
        if paged is None or not 0 <= page < len(paged.pages):
            await self.acknowledge(pressed)
            return
        navigation = LIMITS.navigation(self._texts, token, page, paged.pages)
        markup = keyboard(paged.pages[page], navigation)
        last = render(Reply(paged.text))[-1]  # the piece the keyboard goes with
        await self.replace(pressed, dataclasses.replace(last, keyboard=markup, is_menu=True))
        await self.acknowledge(pressed)

    async def _render(self, reply: Reply) -> list[MaxMessage]:
        if LIMITS.fits(reply.buttons):
            return render(reply)
        cut = tuple(LIMITS.pages(reply.buttons))
        token = await self.screens.keep_pages(PagedKeyboard(reply.text, cut))
        return render(reply, keyboard(cut[0], LIMITS.navigation(self._texts, token, 0, cut)))


class _Dialog:
    """The outbox of one chat: sends paced into it, the pressed message edited by the answer."""

    def __init__(self, delivery: MaxDelivery, chat: str) -> None:
        self._delivery = delivery
        self._chat = chat

    async def send(self, message: MaxMessage, index: int) -> None:
        bot, target = self._delivery.bot, _target(self._chat)
        await self._delivery.pacer.call(self._chat, lambda: bot.send_message(
            **target, text=message.text, attachments=message.attachments or None,  # type: ignore[arg-type]
            format=FORMAT,
        ))  # fmt: skip

    async def edit(self, target: Pressed, message: MaxMessage) -> bool:
        return await self._delivery.replace(target, message)


def _target(chat: str) -> dict[str, int]:
    """``chat_id=…``, or ``user_id=…`` for a dialog known only by its citizen."""
    if chat.startswith(USER_CHAT):
        return {"user_id": int(chat.removeprefix(USER_CHAT))}
    return {"chat_id": int(chat)}
