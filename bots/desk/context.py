"""What every handler of the desk shares: its services, who is asking (set by the guard in
``app``), reading a form, and the answers it gives — pages, redirects and refusals."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from aiohttp import web

from bots.desk.auth import Authority, Clock, Session
from bots.desk.pages import Pages
from bots.desk.ports import CaseDesk
from bots.desk.throttle import LoginThrottle
from knowledge_base.errors import CaseClosed, CaseNotFound, CaseNotYours, CaseTaken, DeskError

SESSION_COOKIE = "desk_session"
LOGIN_COOKIE = "desk_login"  # a login form's own CSRF token, before there is a session
API_PREFIX = "/desk/api/"


@dataclass(frozen=True, slots=True)
class DeskConfig:
    secure_cookies: bool = True  # off only where the desk is reached over plain HTTP locally


@dataclass(frozen=True, slots=True)
class DeskServices:
    desk: CaseDesk
    authority: Authority
    pages: Pages
    config: DeskConfig
    clock: Clock
    throttle: LoginThrottle

    def now(self) -> dt.datetime:
        return self.clock()


SERVICES = web.AppKey("desk_services", DeskServices)
SESSION = web.RequestKey("desk_session", Session)  # a page's: set by the guard
TOKEN_OWNER = web.RequestKey("desk_token_owner", str)  # an API call's: set by the guard


def services(request: web.Request) -> DeskServices:
    return request.app[SERVICES]


def session_of(request: web.Request) -> Session:
    if SESSION not in request:  # the guard lets no page run without a session
        raise web.HTTPSeeOther("/desk/login")
    return request[SESSION]


def operator_of(request: web.Request) -> str:
    """The operator of the request: its session's, or its API token's."""
    return request[TOKEN_OWNER] if TOKEN_OWNER in request else session_of(request).operator


async def form_field(request: web.Request, name: str) -> str:
    """A field of a posted form, '' when absent, not text, or the body is no form at all."""
    try:
        form = await request.post()
    except ValueError:
        return ""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def html(text: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=text, content_type="text/html", status=status, headers=headers)


def see_other(location: str) -> web.Response:
    """Where to go after a form: a 303, so that a reload does not post it again."""
    return web.Response(status=303, headers={"Location": location})


def desk_status(error: DeskError) -> int:
    if isinstance(error, CaseNotFound):
        return 404
    if isinstance(error, CaseTaken | CaseNotYours | CaseClosed):
        return 409
    return 400  # an invalid reply or resolution, a bad name: what was sent cannot be taken


def refusal(request: web.Request, status: int, message: str) -> web.Response:
    """A refusal as the asker reads it: JSON for the API, a page for a person."""
    if request.path.startswith(API_PREFIX):
        return api_error(status, message)
    return error_page(request, status, message)


def api_error(status: int, message: str) -> web.Response:
    body = json.dumps({"error": message}, ensure_ascii=False)
    return web.json_response(text=body, status=status)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    values = {}
    if SESSION in request:  # the header with the operator's name and logout
        values = {"operator": request[SESSION].operator, "csrf": request[SESSION].csrf}
    return html(services(request).pages.render("error.html", heading=message, **values), status)


def forbidden(request: web.Request) -> web.Response:
    message = "Форма устарела или отправлена не со страницы рабочего места: обновите страницу"
    return html(services(request).pages.render("error.html", heading=message), 403)
