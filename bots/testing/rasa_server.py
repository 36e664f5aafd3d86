"""A local HTTP server that answers ``POST /model/parse`` the way Rasa does."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bots.testing.local import free_port, serve_locally


class FakeRasa:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.delay = 0.0
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/model/parse", self._parse)
        self._runner = await serve_locally(app, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _parse(self, request: web.Request) -> web.Response:
        text = (await request.json())["text"]
        self.requests.append(text)
        await asyncio.sleep(self.delay)
        return web.json_response(_answer(text))


def _answer(text: str) -> dict[str, Any]:
    ranking = [
        {"name": "marriage", "confidence": 0.91},
        {"name": "divorce", "confidence": 0.06},
        {"name": "out_of_scope", "confidence": 0.03},
    ]
    return {
        "text": text,
        "intent": ranking[0],
        "intent_ranking": ranking,
        "entities": [
            {
                "entity": "time",
                "start": 0,
                "end": 5,
                "value": "2026-03-09T00:00:00.000+03:00",
                "extractor": "DucklingEntityExtractor",
            }
        ],
    }
