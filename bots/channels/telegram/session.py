"""Bot API calls as JSON bodies instead of aiogram's form fields.

The Bot API takes parameters as ``application/json`` as well as form fields
(https://core.telegram.org/bots/api#making-requests). aiogram's ``AiohttpSession`` always
builds a form: every nested value (a keyboard) serialised to a string, then every field
percent-encoded: a measurable share of each reply. A call without files goes as one JSON
document here; a call that uploads a file goes as aiogram sends it, a multipart form.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError, ClientTimeout

JSON_HEADERS = {"Content-Type": "application/json"}


class JsonSession(AiohttpSession):
    """aiogram's aiohttp session, its requests' parameters sent as one JSON object."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        files: dict[str, Any] = {}
        body = self.json_body(bot, method, files)
        if files:  # an upload: only a multipart form carries the file itself
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=body,
                headers=JSON_HEADERS,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as response:
                raw = await response.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(method=method, message=message) from error
        checked = self.check_response(bot, method, response.status, raw)
        return cast(TelegramType, checked.result)

    def json_body(self, bot: Bot, method: TelegramMethod[Any], files: dict[str, Any]) -> str:
        """The method's parameters as aiogram prepares them (bot defaults applied, dates as
        timestamps, empty ones left out), nested values as JSON, not strings of it."""
        fields = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared:
                fields[key] = prepared
        return self.json_dumps(fields)
