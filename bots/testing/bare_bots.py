"""A bare aiogram 3 webhook bot, the floor under the assistant: a Dispatcher with one handler
that sends one message per update, an aiohttp webhook server, nothing else (no database, no
NLU, no middlewares). ``benchmarks/ceiling.py`` runs it as a process of its own:

    TELEGRAM_BOT_TOKEN=… TELEGRAM_API_URL=http://127.0.0.1:8081 WEBHOOK_SECRET=… \\
    WEBHOOK_PORT=8080 python -m bots.testing.bare_bots

The 200 goes out after the reply was sent (``handle_in_background=False``), as the assistant
answers a webhook only after the update was handled; ``GET /readyz`` says it listens.
"""

from __future__ import annotations

import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

REPLY = "Здравствуйте! Я получил ваше сообщение."


def bare_telegram_app(token: str, api_url: str, secret: str, path: str) -> web.Application:
    """The webhook application: ``path`` takes updates (with ``secret``), ``/readyz`` is 200."""
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def answer(message: Message) -> None:
        await message.answer(REPLY)

    async def ready(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/readyz", ready)
    handler = SimpleRequestHandler(
        dispatcher, bot, handle_in_background=False, secret_token=secret
    )
    handler.register(app, path=path)
    setup_application(app, dispatcher, bot=bot)  # closes the bot's session on shutdown
    return app


def main() -> None:
    """Serve until SIGTERM or SIGINT (``web.run_app`` stops gracefully on either)."""
    app = bare_telegram_app(
        os.environ["TELEGRAM_BOT_TOKEN"],
        os.environ["TELEGRAM_API_URL"],
        os.environ["WEBHOOK_SECRET"],
        os.environ.get("WEBHOOK_PATH", "/telegram/webhook"),
    )
    host = os.environ.get("WEBHOOK_HOST", "127.0.0.1")
    web.run_app(app, host=host, port=int(os.environ["WEBHOOK_PORT"]), print=None)


if __name__ == "__main__":
    main()
