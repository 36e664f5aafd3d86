"""The desk as an aiohttp application: its routes, and the guards every request passes.

- ``/desk/api/…`` needs ``Authorization: Bearer <token>``: without a valid one, 401 JSON.
- Every other page needs a session cookie: without one, a redirect to the login page; every
  POST also needs the session's CSRF token in its form (compared in constant time), or 403.
  An operator who logged in with a one-time password is sent to the change-password page
  from every other page until they choose their own (the API does not ask).
- Failed logins are throttled (``throttle``): 429 on the login page.
- Nothing fails with a trace: an unexpected error is logged and answered in Russian.
- Every answer forbids framing, sniffing and any script but the desk's own file."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import cache
from importlib.resources import files
from pathlib import PurePosixPath

from aiohttp import web

from bots.desk.api import api_routes
from bots.desk.auth import Authority, Clock, same, utc_now
from bots.desk.context import (
    API_PREFIX,
    SERVICES,
    SESSION,
    SESSION_COOKIE,
    TOKEN_OWNER,
    DeskConfig,
    DeskServices,
    api_error,
    desk_status,
    forbidden,
    form_field,
    refusal,
    services,
)
from bots.desk.pages import Pages
from bots.desk.ports import CaseDesk
from bots.desk.routes import page_routes
from bots.desk.throttle import LoginThrottle
from knowledge_base.errors import DeskError, StorageUnavailable

log = logging.getLogger("lifebot.desk")

STATIC = {"desk.js": "text/javascript", "desk.css": "text/css"}
PUBLIC = frozenset({"/desk/login", *(f"/desk/static/{name}" for name in STATIC)})
PASSWORD_PAGE = "/desk/password"
BEFORE_OWN_PASSWORD = frozenset({PASSWORD_PAGE, "/desk/logout"})  # all a one-time one opens
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
HTTP_WORDS = {
    400: "Запрос не понят",
    403: "Доступ запрещён",
    404: "Такой страницы нет",
    405: "Этот метод здесь не поддерживается",
    413: "Слишком большой запрос",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(
    desk: CaseDesk,
    authority: Authority,
    pages: Pages,
    config: DeskConfig | None = None,
    clock: Clock = utc_now,
    throttle: LoginThrottle | None = None,
) -> web.Application:
    app = web.Application(middlewares=[_errors, _guard])
    app[SERVICES] = DeskServices(desk, authority, pages, config or DeskConfig(), clock,
                                 throttle or LoginThrottle(clock))  # fmt: skip
    app.router.add_get("/", _to_desk)
    app.router.add_get("/desk", _to_desk)
    app.router.add_get("/desk/static/{name}", _static)
    app.add_routes(page_routes())
    app.add_routes(api_routes())
    app.on_response_prepare.append(_secure_headers)
    return app


async def _to_desk(request: web.Request) -> web.Response:
    raise web.HTTPFound("/desk/")


async def _static(request: web.Request) -> web.Response:
    name = PurePosixPath(request.match_info["name"]).name
    if name not in STATIC:
        raise web.HTTPNotFound()
    headers = {"Cache-Control": "max-age=300"}
    return web.Response(text=_static_file(name), content_type=STATIC[name], headers=headers)


@cache
def _static_file(name: str) -> str:
    return files("bots.desk").joinpath("static", name).read_text(encoding="utf-8")


async def _secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(API_PREFIX):
        authorization = request.headers.get("Authorization")
        owner = await services(request).authority.token_owner(authorization)
        if owner is None:
            return api_error(401, "Нужен действующий токен: Authorization: Bearer <токен>")
        request[TOKEN_OWNER] = owner
        return await handler(request)
    if request.path in PUBLIC:
        return await handler(request)
    session = await services(request).authority.session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise web.HTTPSeeOther("/desk/login")
    if request.method == "POST" and not same(await form_field(request, "csrf"), session.csrf):
        return forbidden(request)
    if session.password_is_temporary and request.path not in BEFORE_OWN_PASSWORD:
        raise web.HTTPSeeOther(PASSWORD_PAGE)
    request[SESSION] = session
    return await handler(request)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as a Russian page or JSON object, never a trace."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return refusal(request, error.status, HTTP_WORDS.get(error.status, "Запрос не выполнен"))
    except DeskError as error:
        return refusal(request, desk_status(error), str(error))
    except StorageUnavailable:
        log.warning("desk: the database is unavailable")
        return refusal(request, 503, "База данных сейчас недоступна; повторите чуть позже")
    except Exception:
        log.exception("desk: an unexpected error")
        words = "Что-то пошло не так; повторите, а если не выйдет — сообщите администратору"
        return refusal(request, 500, words)
