"""The desk's pages: login, the queue, a case with its actions, the operator's password.

A page's changing part (the queue, a case's lines) is also served alone (``…/live``): the
page's script asks for it every few seconds. An action that succeeds redirects back to the
case (so a reload does not send it again); one the desk refuses shows its Russian reason on
the case page, with the reply the operator wrote kept in the form."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web
from markupsafe import Markup

from bots.desk.auth import PASSWORD_MIN, SESSION_LIFETIME, same
from bots.desk.context import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    DeskServices,
    desk_status,
    forbidden,
    form_field,
    html,
    see_other,
    services,
    session_of,
)
from bots.desk.pages import state_of, version_of
from bots.desk.ports import CaseDesk
from bots.desk.throttle import refusal_words
from dialogs.cases import CaseStatus
from knowledge_base.errors import CaseNotFound, DeskError

LOGIN_LIFETIME = 3600  # seconds a login form stays valid
DONE = {
    "claim": "Обращение взято в работу",
    "reply": "Ответ отправлен гражданину",
    "release": "Обращение возвращено в очередь",
    "close": "Обращение закрыто",
}
Action = Callable[[CaseDesk, str, str, web.Request], Awaitable[None]]


def page_routes() -> list[web.RouteDef]:
    return [
        web.get("/desk/login", login_page),
        web.post("/desk/login", login),
        web.post("/desk/logout", logout),
        web.get("/desk/", queue_page),
        web.get("/desk/live/queue", queue_live),
        web.get("/desk/cases/{case_id}", case_page),
        web.get("/desk/cases/{case_id}/live", case_live),
        *(
            web.post(f"/desk/cases/{{case_id}}/{name}", _action(name, act))
            for name, act in ACTIONS.items()
        ),
        web.get("/desk/password", password_page),
        web.post("/desk/password", change_password),
    ]


# Login and logout.


async def login_page(request: web.Request) -> web.Response:
    found = await services(request).authority.session(request.cookies.get(SESSION_COOKIE))
    if found is not None:
        raise web.HTTPSeeOther("/desk/")
    return _login_form(request)


async def login(request: web.Request) -> web.Response:
    if not same(await form_field(request, "csrf"), request.cookies.get(LOGIN_COOKIE) or "-"):
        return forbidden(request)
    name, address = await form_field(request, "name"), request.remote or ""
    desk = services(request)
    wait = desk.throttle.admit(name, address)
    if wait is not None:  # the password is not even looked at
        return _login_form(request, name, refusal_words(wait), status=429)
    succeeded: bool | None = None
    try:
        session_id = await desk.authority.login(name, await form_field(request, "password"))
        succeeded = session_id is not None
    finally:
        desk.throttle.settle(name, address, succeeded)
    if session_id is None:
        return _login_form(request, name, "Неверное имя оператора или пароль")
    response = see_other("/desk/")
    lifetime = int(SESSION_LIFETIME.total_seconds())
    response.set_cookie(SESSION_COOKIE, session_id, **_cookie(desk, "/desk", lifetime))
    response.del_cookie(LOGIN_COOKIE, **_cookie_attributes(desk, "/desk/login"))
    return response


async def logout(request: web.Request) -> web.Response:
    desk = services(request)
    await desk.authority.logout(request.cookies.get(SESSION_COOKIE) or "")
    response = see_other("/desk/login")
    response.del_cookie(SESSION_COOKIE, **_cookie_attributes(desk, "/desk"))
    return response


def _login_form(
    request: web.Request, name: str = "", error: str = "", status: int = 200
) -> web.Response:
    desk = services(request)
    token = secrets.token_urlsafe(32)
    page = desk.pages.render("login.html", login_csrf=token, name=name, error=error)
    response = html(page, status=status)
    response.set_cookie(LOGIN_COOKIE, token, **_cookie(desk, "/desk/login", LOGIN_LIFETIME))
    return response


def _cookie(desk: DeskServices, path: str, seconds: int) -> dict[str, Any]:
    return {"max_age": seconds, **_cookie_attributes(desk, path)}


def _cookie_attributes(desk: DeskServices, path: str) -> dict[str, Any]:
    """A cookie's attributes; deleting it takes the same, or a browser may keep it."""
    return {"path": path, "httponly": True, "samesite": "Strict",
            "secure": desk.config.secure_cookies}  # fmt: skip


# The queue.


async def queue_page(request: web.Request) -> web.Response:
    closed, fragment = await _queue_fragment(request)
    live = "/desk/live/queue?tab=closed" if closed else "/desk/live/queue"
    return _page(request, "queue.html", fragment, closed=closed, live_url=live)


async def queue_live(request: web.Request) -> web.Response:
    _, fragment = await _queue_fragment(request)
    return html(fragment, headers={"X-Desk-Version": version_of(fragment)})


async def _queue_fragment(request: web.Request) -> tuple[bool, str]:
    desk, closed = services(request), request.query.get("tab") == "closed"
    statuses: tuple[CaseStatus, ...] = ("closed",) if closed else ("queued", "claimed")
    now, rows = desk.now(), {}
    for status in statuses:
        rows[f"rows_{status}"] = [desk.pages.row(s, now) for s in await desk.desk.listing(status)]
    return closed, desk.pages.render("_queue.html", closed=closed, **rows)


# A case.


async def case_page(request: web.Request) -> web.Response:
    notice = DONE.get(request.query.get("done", ""), "")
    return await _case(request, request.match_info["case_id"], notice=notice)


async def case_live(request: web.Request) -> web.Response:
    desk, case_id = services(request), request.match_info["case_id"]
    case = await desk.desk.case(case_id)
    card = desk.pages.card(case, session_of(request).operator, desk.now())
    fragment = desk.pages.render("_lines.html", card=card)
    headers = {"X-Desk-Version": version_of(fragment), "X-Desk-State": state_of(case)}
    return html(fragment, headers=headers)


async def _case(
    request: web.Request, case_id: str, status: int = 200, **values: str
) -> web.Response:
    desk = services(request)
    case = await desk.desk.case(case_id)
    card = desk.pages.card(case, session_of(request).operator, desk.now())
    fragment = desk.pages.render("_lines.html", card=card)
    values.setdefault("draft", "")
    live = f"/desk/cases/{quote(case_id, safe='')}/live"
    response = _page(request, "case.html", fragment, card=card, live_url=live,
                     state=state_of(case), **values)  # fmt: skip
    response.set_status(status)
    return response


def _action(name: str, act: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        case_id = request.match_info["case_id"]
        try:
            await act(services(request).desk, case_id, session_of(request).operator, request)
        except CaseNotFound:
            raise
        except DeskError as error:
            draft = await form_field(request, "text") if name == "reply" else ""
            return await _case(request, case_id, desk_status(error), error=str(error),
                               draft=draft)  # fmt: skip
        return see_other(f"/desk/cases/{quote(case_id, safe='')}?done={name}")

    return handle


async def _claim(desk: CaseDesk, case_id: str, operator: str, request: web.Request) -> None:
    await desk.claim(case_id, operator)


async def _reply(desk: CaseDesk, case_id: str, operator: str, request: web.Request) -> None:
    await desk.reply(case_id, operator, await form_field(request, "text"))


async def _release(desk: CaseDesk, case_id: str, operator: str, request: web.Request) -> None:
    await desk.release(case_id, operator)


async def _close(desk: CaseDesk, case_id: str, operator: str, request: web.Request) -> None:
    await desk.close(case_id, operator, await form_field(request, "resolution"))


ACTIONS: dict[str, Action] = {
    "claim": _claim, "reply": _reply, "release": _release, "close": _close
}  # fmt: skip


# The operator's password.


async def password_page(request: web.Request) -> web.Response:
    return _password_form(request)


async def change_password(request: web.Request) -> web.Response:
    fields = [await form_field(request, f) for f in ("current", "new", "repeated")]
    try:
        await services(request).authority.change_password(session_of(request).operator, *fields)
    except DeskError as error:
        return _password_form(request, error=str(error), status=400)
    return _password_form(request, temporary=False, notice="Пароль изменён")


def _password_form(
    request: web.Request, status: int = 200, temporary: bool | None = None, **values: str
) -> web.Response:
    """The form; with a one-time password, why it is the only page that opens."""
    session = session_of(request)
    temporary = session.password_is_temporary if temporary is None else temporary
    page = services(request).pages.render(
        "password.html", operator=session.operator, csrf=session.csrf, minimum=PASSWORD_MIN,
        temporary=temporary, **values,
    )  # fmt: skip
    return html(page, status=status)


def _page(request: web.Request, template: str, fragment: str, **values: Any) -> web.Response:
    """A page of a logged-in operator around its live part (already rendered, escaped)."""
    session = session_of(request)
    page = services(request).pages.render(
        template, operator=session.operator, csrf=session.csrf, fragment=Markup(fragment),
        version=version_of(fragment), **values,
    )  # fmt: skip
    return html(page)
