"""The operators' desk: pages and API behind a login or a token, CSRF, one winner of a claim,
the queue's order, the citizen's id and address never shown, the CLI, a real `lifebot run
desk`, and the page driven in headless Chromium."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from bots.desk.app import build_app
from bots.desk.auth import (
    Authority,
    Passwords,
    add_operator,
    digest,
    issue_token,
    reset_password,
    revoke_access,
    utc_now,
)
from bots.desk.context import DeskConfig
from bots.desk.memory import MemoryAccounts
from bots.desk.pages import Pages, situation_titles
from bots.desk.ports import Accounts
from bots.testing.local import free_port
from dialogs.cases import CaseKind, CaseLine, CaseOpened
from dialogs.contract import Address
from dialogs.desk import Desk
from dialogs.memory import MemoryDatabase
from dialogs.ports import UnitOfWorkFactory
from dialogs.records import ConversationOpened
from knowledge_base.model import KnowledgeBaseContent
from storage.operators import OperatorAccounts
from storage.pseudonyms import Pseudonymizer
from storage.uow import SqlUnits
from tests.conftest import SECRET

# What identifies the citizen: it must never reach a page or an API answer.
CHAT_ID = "7700123456789"
SESSION_KEY = "telegram:key-4f1d0c0ffee"
CONVERSATION = "conversation-b7e1"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # argon2, cheap for tests
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def ago(minutes: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)


def opened(
    case_id: str, minutes_ago: float, kind: CaseKind = "question", question: str = "Вопрос"
) -> CaseOpened:
    recent = (
        CaseLine("citizen", "Хочу поговорить с человеком", ago(minutes_ago + 1)),
        CaseLine("assistant", "Передаю ваш вопрос специалисту", ago(minutes_ago + 1)),
    )
    return CaseOpened(
        case_id=case_id, conversation_id=f"{CONVERSATION}-{case_id}",
        session_key=f"{SESSION_KEY}-{case_id}", address=Address("telegram", CHAT_ID),
        kind=kind, question=question, situation_id="child_birth",
        step_title="Получить свидетельство о рождении",
        answers=(("Где вы живёте?", "Москва"),), recent=recent,
        opened_at=ago(minutes_ago), off_hours=False,
    )  # fmt: skip


async def open_cases(units: UnitOfWorkFactory, *cases: CaseOpened) -> None:
    async with units() as uow:
        for case in cases:  # a case belongs to a conversation of the citizen's
            started = ConversationOpened(case.conversation_id, "telegram", CHAT_ID, case.opened_at)
            await uow.recorder.conversation_opened(started)
            await uow.cases.open(case)
        await uow.commit()


@dataclass
class Browser:
    """One operator's browser: its own cookies, every page it was shown kept. ``source``: the
    loopback address it connects from (all of 127.0.0.0/8 is this machine's)."""

    base: str
    source: str = "127.0.0.1"
    http: aiohttp.ClientSession = field(init=False)
    csrf: str = ""
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        connector = aiohttp.TCPConnector(local_addr=(self.source, 0))
        jar = aiohttp.CookieJar(unsafe=True)
        self.http = aiohttp.ClientSession(cookie_jar=jar, connector=connector)

    async def get(self, path: str) -> tuple[int, str, Any]:
        async with self.http.get(self.base + path, allow_redirects=False) as response:
            return await self._read(response)

    async def post(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, Any]:
        data = {"csrf": self.csrf, **(form or {})}
        async with self.http.post(self.base + path, data=data, allow_redirects=False) as response:
            return await self._read(response)

    async def login(self, name: str, password: str) -> tuple[int, str, Any]:
        _, page, _ = await self.get("/desk/login")
        form = {"csrf": CSRF.findall(page)[0], "name": name, "password": password}
        async with self.http.post(self.base + "/desk/login", data=form,
                                  allow_redirects=False) as response:  # fmt: skip
            answer = await self._read(response)
        if answer[0] == 303:  # every session's page, even one on a one-time password
            _, page, _ = await self.get("/desk/password")
            self.csrf = CSRF.findall(page)[0]
        return answer

    async def _read(self, response: aiohttp.ClientResponse) -> tuple[int, str, Any]:
        body = await response.text()
        self.seen.append(body)
        self.seen.extend(f"{k}: {v}" for k, v in response.headers.items())
        return response.status, body, response.headers

    async def close(self) -> None:
        await self.http.close()


@dataclass
class Site:
    server: TestServer
    accounts: Accounts
    units: UnitOfWorkFactory
    passwords: dict[str, str]
    browsers: list[Browser] = field(default_factory=list)

    @property
    def base(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def browser(self, name: str | None = None, source: str = "127.0.0.1") -> Browser:
        browser = Browser(self.base, source)
        self.browsers.append(browser)
        if name is not None:
            status, _, _ = await browser.login(name, self.passwords[name])
            assert status == 303
        return browser

    async def api(
        self, method: str, path: str, token: str | None, body: Any = None, raw: bytes | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as http:
            data = raw if raw is not None else (json.dumps(body) if body is not None else None)
            async with http.request(method, self.base + path, data=data,
                                    headers=headers) as response:  # fmt: skip
                text = await response.text()
                assert response.content_type == "application/json", text
                return response.status, json.loads(text)


async def start_site(
    kb: KnowledgeBaseContent,
    units: UnitOfWorkFactory,
    accounts: Accounts,
    poll_seconds: float = 5.0,
    clock: Callable[[], dt.datetime] | None = None,
) -> Site:
    passwords = Passwords(FAST)
    authority = Authority(accounts, passwords, clock) if clock else Authority(accounts, passwords)
    made = {name: await own_password(authority, name) for name in ("anna", "boris")}
    pages = Pages(situation_titles(kb), "Europe/Moscow", poll_seconds=poll_seconds)
    config = DeskConfig(secure_cookies=False)
    app = build_app(Desk(kb, units), authority, pages, config, clock or utc_now)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return Site(server, accounts, units, made)


async def own_password(authority: Authority, name: str) -> str:
    """An operator who has replaced the one-time password with their own, as after their
    first login: their password."""
    one_time = await add_operator(authority.accounts, authority.passwords, name)
    own = f"собственный-пароль-{name}"
    await authority.change_password(name, one_time, own, own)
    return own


@pytest.fixture
async def site(kb: KnowledgeBaseContent, memory: MemoryDatabase) -> AsyncIterator[Site]:
    await open_cases(
        memory.units,
        opened("c-new", 5),
        opened("c-old", 40),
        opened("c-angry", 20, "complaint", "Мне третий день не отвечают!"),
    )
    site = await start_site(kb, memory.units, MemoryAccounts())
    yield site
    for browser in site.browsers:
        await browser.close()
    await site.server.close()


PAGES = ["/desk/", "/desk/?tab=closed", "/desk/live/queue", "/desk/cases/c-old",
         "/desk/cases/c-old/live", "/desk/password", "/desk/no-such-page"]  # fmt: skip
FORMS = ["/desk/logout", "/desk/password", "/desk/cases/c-old/claim", "/desk/cases/c-old/reply",
         "/desk/cases/c-old/release", "/desk/cases/c-old/close"]  # fmt: skip
API = [("GET", "/desk/api/cases"), ("GET", "/desk/api/cases?status=closed"),
       ("GET", "/desk/api/cases/c-old"), ("POST", "/desk/api/cases/c-old/claim"),
       ("POST", "/desk/api/cases/c-old/messages"), ("POST", "/desk/api/cases/c-old/release"),
       ("POST", "/desk/api/cases/c-old/close"), ("GET", "/desk/api/nothing")]  # fmt: skip


# Who may come in.


async def test_every_page_without_a_session_goes_to_the_login(site: Site) -> None:
    stranger = await site.browser()
    for path in PAGES:
        status, _, headers = await stranger.get(path)
        assert (path, status, headers["Location"]) == (path, 303, "/desk/login")
    for path in FORMS:
        status, _, headers = await stranger.post(path, {"text": "x", "resolution": "answered"})
        assert (path, status, headers["Location"]) == (path, 303, "/desk/login")
    status, page, _ = await stranger.get("/desk/login")
    assert status == 200
    assert "Вход" in page


async def test_every_api_call_without_a_valid_token_is_401(site: Site) -> None:
    for method, path in API:
        for token in (None, "wrong-token"):
            status, body = await site.api(method, path, token)
            assert (path, status) == (path, 401)
            assert "токен" in body["error"]
    async with aiohttp.ClientSession() as http:
        basic = {"Authorization": "Basic YW5uYTpwYXNz"}
        async with http.get(site.base + "/desk/api/cases", headers=basic) as response:
            assert response.status == 401


async def test_a_wrong_password_is_refused_and_gives_no_session(site: Site) -> None:
    browser = await site.browser()
    for name, password in (("anna", "not-her-password"), ("nobody", "whatever")):
        status, page, headers = await browser.login(name, password)
        assert status == 200
        assert "Неверное имя оператора или пароль" in page
        assert "desk_session" not in headers.get("Set-Cookie", "")
    assert (await browser.get("/desk/"))[0] == 303


async def test_login_sets_a_strict_http_only_cookie_and_keeps_only_its_hash(
    site: Site,
) -> None:
    browser = await site.browser()
    status, _, headers = await browser.login("anna", site.passwords["anna"])
    assert status == 303
    assert headers["Location"] == "/desk/"
    cookie = next(c for c in headers.getall("Set-Cookie") if c.startswith("desk_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/desk" in cookie
    assert "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # this site was built with secure_cookies=False
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert isinstance(site.accounts, MemoryAccounts)
    assert list(site.accounts.sessions) == [digest(session_id)]
    assert session_id not in repr(site.accounts.sessions)
    stored = site.accounts.operators["anna"].password_hash
    assert stored.startswith("$argon2id$")
    assert site.passwords["anna"] not in stored


async def test_cookies_are_secure_unless_turned_off(kb: KnowledgeBaseContent) -> None:
    accounts = MemoryAccounts()
    password = await add_operator(accounts, Passwords(FAST), "anna")
    app = build_app(Desk(kb, MemoryDatabase().units), Authority(accounts, Passwords(FAST)),
                    Pages(situation_titles(kb), "Europe/Moscow"), DeskConfig())  # fmt: skip
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        async with http.get(server.make_url("/desk/login")) as response:
            login_cookie = response.cookies["desk_login"]
            page = await response.text()
        assert login_cookie["secure"]
        form = {"csrf": CSRF.findall(page)[0], "name": "anna", "password": password}
        headers = {"Cookie": f"desk_login={login_cookie.value}"}
        async with http.post(server.make_url("/desk/login"), data=form, headers=headers,
                             allow_redirects=False) as response:  # fmt: skip
            assert response.status == 303
            assert response.cookies["desk_session"]["secure"]


async def test_logout_and_expiry_end_the_session(
    kb: KnowledgeBaseContent, memory: MemoryDatabase
) -> None:
    now = [dt.datetime.now(dt.UTC)]
    site = await start_site(kb, memory.units, MemoryAccounts(), clock=lambda: now[0])
    try:
        anna = await site.browser("anna")
        assert (await anna.get("/desk/"))[0] == 200
        now[0] += dt.timedelta(hours=12, seconds=1)
        assert (await anna.get("/desk/"))[0] == 303  # twelve hours on: log in again
        now[0] = dt.datetime.now(dt.UTC)
        boris = await site.browser("boris")
        status, _, headers = await boris.post("/desk/logout")
        assert (status, headers["Location"]) == (303, "/desk/login")
        assert (await boris.get("/desk/"))[0] == 303
        assert isinstance(site.accounts, MemoryAccounts)
        assert all(operator != "boris" for operator, _, _ in site.accounts.sessions.values())
    finally:
        for browser in site.browsers:
            await browser.close()
        await site.server.close()


async def test_an_operator_changes_their_password(site: Site) -> None:
    anna = await site.browser("anna")
    old = site.passwords["anna"]
    status, page, _ = await anna.get("/desk/password")
    assert (status, "Смена пароля" in page) == (200, True)
    refusals = [
        ({"current": "wrong", "new": "n" * 12, "repeated": "n" * 12}, "пароль указан неверно"),
        ({"current": old, "new": "n" * 12, "repeated": "m" * 12}, "Пароли не совпадают"),
        ({"current": old, "new": "short", "repeated": "short"}, "не короче 12 символов"),
    ]  # fmt: skip
    for form, said in refusals:
        status, page, _ = await anna.post("/desk/password", form)
        assert (status, said in page) == (400, True)
    new = "новый-пароль-анны"
    form = {"current": old, "new": new, "repeated": new}
    status, page, _ = await anna.post("/desk/password", form)
    assert (status, "Пароль изменён" in page) == (200, True)
    again = await site.browser()
    assert (await again.login("anna", old))[0] == 200  # refused
    assert (await again.login("anna", new))[0] == 303


async def test_a_one_time_password_opens_only_the_change_password_page(
    site: Site, memory: MemoryDatabase
) -> None:
    one_time = await add_operator(site.accounts, Passwords(FAST), "vera")
    token = await issue_token(site.accounts, "vera")
    vera = await site.browser()
    status, _, headers = await vera.login("vera", one_time)
    assert status == 303
    for path in PAGES:
        status, page, headers = await vera.get(path)
        if path == "/desk/password":
            assert status == 200
            assert "Вы вошли по одноразовому паролю" in page
            assert 'href="/desk/?tab=closed"' not in page  # no way round it on the page
        else:
            assert (path, status, headers["Location"]) == (path, 303, "/desk/password")
    for path in FORMS[2:]:  # the case actions: logout and the password form stay open
        status, _, headers = await vera.post(path, {"text": "x", "resolution": "answered"})
        assert (path, status, headers["Location"]) == (path, 303, "/desk/password")
    assert memory.cases["c-old"].summary.status == "queued"
    assert (await site.api("GET", "/desk/api/cases", token))[0] == 200  # the API is not asked

    refusals = [
        ({"current": one_time, "new": one_time, "repeated": one_time}, "отличаться от текущего"),
        ({"current": one_time, "new": "короткий", "repeated": "короткий"}, "не короче 12"),
        ({"current": "не тот", "new": "n" * 12, "repeated": "n" * 12}, "пароль указан неверно"),
    ]  # fmt: skip
    for form, said in refusals:
        status, page, _ = await vera.post("/desk/password", form)
        assert (status, said in page) == (400, True)
        assert (await vera.get("/desk/"))[0] == 303  # still only the password page
    own = "мой-собственный-пароль"
    status, page, _ = await vera.post("/desk/password", {"current": one_time, "new": own,
                                                          "repeated": own})  # fmt: skip
    assert (status, "Пароль изменён" in page) == (200, True)
    assert (await vera.get("/desk/"))[0] == 200
    assert (await vera.post("/desk/cases/c-old/claim"))[0] == 303
    again = await site.browser()
    assert (await again.login("vera", one_time))[0] == 200  # one time only
    assert (await again.login("vera", own))[0] == 303
    assert (await again.get("/desk/"))[0] == 200


async def test_a_new_password_ends_the_sessions_and_is_one_time(site: Site) -> None:
    anna, elsewhere = await site.browser("anna"), await site.browser("anna")
    token = await issue_token(site.accounts, "anna")
    given = await reset_password(site.accounts, Passwords(FAST), "anna")
    for browser in (anna, elsewhere):
        status, _, headers = await browser.get("/desk/")
        assert (status, headers["Location"]) == (303, "/desk/login")
    assert (await site.api("GET", "/desk/api/cases", token))[0] == 200  # tokens: revoke
    assert (await anna.login("anna", site.passwords["anna"]))[0] == 200  # the old one is gone
    assert (await anna.login("anna", given))[0] == 303
    status, _, headers = await anna.get("/desk/")
    assert (status, headers["Location"]) == (303, "/desk/password")


async def test_revoking_ends_every_token_and_session_of_the_operator(site: Site) -> None:
    anna, boris = await site.browser("anna"), await site.browser("boris")
    tokens = [await issue_token(site.accounts, "anna") for _ in range(2)]
    borises = await issue_token(site.accounts, "boris")
    assert await revoke_access(site.accounts, " anna ") == (2, 1)
    for token in tokens:
        status, body = await site.api("GET", "/desk/api/cases", token)
        assert (status, "токен" in body["error"]) == (401, True)
    assert (await anna.get("/desk/"))[0] == 303
    assert (await boris.get("/desk/"))[0] == 200  # only hers
    assert (await site.api("GET", "/desk/api/cases", borises))[0] == 200
    assert await revoke_access(site.accounts, "anna") == (0, 0)
    assert (await anna.login("anna", site.passwords["anna"]))[0] == 303  # her password stays


# Login throttling.


class CountedPasswords(Passwords):
    """Counts how often a password is actually checked."""

    checked = 0

    async def verify(self, stored: str | None, password: str) -> bool:
        self.checked += 1
        return await super().verify(stored, password)


@asynccontextmanager
async def throttled_site(kb: KnowledgeBaseContent) -> AsyncIterator[tuple[Site, list[Any]]]:
    """A site on a clock the test moves, with the password checks counted."""
    now = [dt.datetime.now(dt.UTC)]
    accounts, passwords = MemoryAccounts(), CountedPasswords(FAST)
    authority = Authority(accounts, passwords, lambda: now[0])
    made = {name: await own_password(authority, name) for name in ("anna", "boris")}
    pages = Pages(situation_titles(kb), "Europe/Moscow")
    app = build_app(Desk(kb, MemoryDatabase().units), authority, pages,
                    DeskConfig(secure_cookies=False), lambda: now[0])  # fmt: skip
    async with TestServer(app, host="127.0.0.1") as server:
        site = Site(server, accounts, MemoryDatabase().units, made)
        try:
            yield site, [now, passwords]
        finally:
            for browser in site.browsers:
                await browser.close()


async def test_five_failed_logins_for_a_name_lock_it_for_fifteen_minutes(
    kb: KnowledgeBaseContent,
) -> None:
    async with throttled_site(kb) as (site, (now, passwords)):
        for attempt in range(5):
            guesser = await site.browser(source=f"127.0.0.{10 + attempt}")  # any address
            assert (await guesser.login("anna", f"guess-{attempt}"))[0] == 200
        checked = passwords.checked
        anna = await site.browser(source="127.0.0.2")
        status, page, headers = await anna.login("anna", site.passwords["anna"])
        assert status == 429
        assert "Слишком много неудачных попыток входа" in page
        assert "повторите через 15 мин." in page
        assert "desk_session" not in headers.get("Set-Cookie", "")
        assert passwords.checked == checked  # refused without looking: nothing to time
        assert (await anna.login(" ANNA ", site.passwords["anna"]))[0] == 429
        await site.browser("boris", source="127.0.0.2")  # other names are not held up

        now[0] += dt.timedelta(minutes=10)
        status, page, _ = await anna.login("anna", site.passwords["anna"])
        assert (status, "повторите через 5 мин." in page) == (429, True)
        now[0] += dt.timedelta(minutes=5, seconds=1)
        assert (await anna.login("anna", site.passwords["anna"]))[0] == 303


async def test_five_failed_logins_from_an_address_lock_it(kb: KnowledgeBaseContent) -> None:
    async with throttled_site(kb) as (site, _):
        guesser = await site.browser(source="127.0.0.3")
        for name in ("anna", "boris", "admin", "root", "operator"):
            assert (await guesser.login(name, "password123"))[0] == 200
        status, page, _ = await guesser.login("anna", site.passwords["anna"])
        assert (status, "Слишком много неудачных попыток" in page) == (429, True)
        await site.browser("anna", source="127.0.0.4")  # from elsewhere she logs in


async def test_a_successful_login_and_time_forget_the_failures_of_a_name(
    kb: KnowledgeBaseContent,
) -> None:
    async with throttled_site(kb) as (site, (now, _)):
        sources = iter(f"127.0.0.{n}" for n in range(20, 40))

        async def fail(times: int) -> None:
            for _ in range(times):
                browser = await site.browser(source=next(sources))
                assert (await browser.login("anna", "wrong"))[0] == 200

        await fail(4)
        await site.browser("anna", source=next(sources))  # the count starts again
        await fail(4)
        now[0] += dt.timedelta(minutes=15, seconds=1)  # those four are too old to count
        await fail(4)
        await site.browser("anna", source=next(sources))


async def test_parallel_guesses_do_not_slip_past_the_limit(kb: KnowledgeBaseContent) -> None:
    async with throttled_site(kb) as (site, (_, passwords)):
        guessers = [await site.browser(source=f"127.0.0.{50 + n}") for n in range(12)]
        before = passwords.checked
        answers = await asyncio.gather(*(g.login("anna", f"guess-{n}")
                                         for n, g in enumerate(guessers)))  # fmt: skip
        assert passwords.checked - before <= 5
        assert sorted({status for status, _, _ in answers}) == [200, 429]
        assert (await guessers[0].login("anna", site.passwords["anna"]))[0] == 429


def test_the_templates_and_scripts_ship_in_the_package() -> None:
    """A wheel (the Docker image) carries only the data files that pyproject names."""
    import tomllib

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    shipped = project["tool"]["setuptools"]["package-data"].get("bots", [])
    assert {"desk/templates/*.html", "desk/static/*"} <= set(shipped)


async def test_a_wrong_or_missing_csrf_token_is_403(site: Site, memory: MemoryDatabase) -> None:
    anna = await site.browser("anna")
    real = anna.csrf
    for forged in ("forged", "", real[:-1], real + "x", "ё" * 10):
        anna.csrf = forged
        status, page, _ = await anna.post("/desk/cases/c-old/claim")
        assert status == 403
        assert "обновите страницу" in page
    async with anna.http.post(site.base + "/desk/cases/c-old/claim", data=b"\xff\xfe",
                              allow_redirects=False) as response:  # fmt: skip
        assert response.status == 403
    assert memory.cases["c-old"].summary.status == "queued"
    anna.csrf = real
    assert (await anna.post("/desk/cases/c-old/claim"))[0] == 303
    assert memory.cases["c-old"].summary.operator == "anna"


async def test_the_login_form_needs_its_own_token(site: Site) -> None:
    browser = await site.browser()
    await browser.get("/desk/login")
    form = {"csrf": "forged", "name": "anna", "password": site.passwords["anna"]}
    async with browser.http.post(site.base + "/desk/login", data=form,
                                 allow_redirects=False) as response:  # fmt: skip
        assert response.status == 403
        assert "desk_session" not in response.cookies


# The queue and a case.


async def test_the_queue_is_oldest_first_with_complaints_flagged(
    site: Site, memory: MemoryDatabase
) -> None:
    anna = await site.browser("anna")
    status, page, _ = await anna.get("/desk/")
    assert status == 200
    queued = page.split('class="queued"')[1].split('class="claimed"')[0]
    assert re.findall(r'data-case="([^"]+)"', queued) == ["c-old", "c-angry", "c-new"]
    angry = re.search(r'<tr class="case complaint" data-case="c-angry">.*?</tr>', page, re.S)
    assert angry is not None
    assert "Жалоба" in angry.group(0)
    assert "Рождение ребёнка" in page  # the situation by its title
    assert "Обращений в работе нет" in page

    await anna.post("/desk/cases/c-angry/claim")
    _, page, _ = await anna.get("/desk/")
    claimed = page.split('class="claimed"')[1]
    assert re.findall(r'data-case="([^"]+)"', claimed) == ["c-angry"]
    assert "<td>anna</td>" in claimed

    await anna.post("/desk/cases/c-angry/close", {"resolution": "answered"})
    _, closed, _ = await anna.get("/desk/?tab=closed")
    assert re.findall(r'data-case="([^"]+)"', closed) == ["c-angry"]
    assert "Ответ дан" in closed


async def test_two_operators_claiming_one_case_one_wins(
    site: Site, memory: MemoryDatabase
) -> None:
    anna, boris = await site.browser("anna"), await site.browser("boris")
    answers = await asyncio.gather(
        anna.post("/desk/cases/c-old/claim"), boris.post("/desk/cases/c-old/claim")
    )
    assert sorted(status for status, _, _ in answers) == [303, 409]
    winner = memory.cases["c-old"].summary.operator
    loser_page = next(page for status, page, _ in answers if status == 409)
    assert f"обращение уже взял(а) {winner}" in loser_page
    assert 'class="error"' in loser_page
    assert "Traceback" not in loser_page


async def test_a_case_page_shows_the_context_and_takes_every_action(
    site: Site, memory: MemoryDatabase
) -> None:
    anna = await site.browser("anna")
    status, page, _ = await anna.get("/desk/cases/c-angry")
    assert status == 200
    for shown in ("Жалоба", "Telegram", "Рождение ребёнка", "Получить свидетельство о рождении",
                  "Где вы живёте?", "Москва", "Мне третий день не отвечают!",
                  "Хочу поговорить с человеком", "Передаю ваш вопрос специалисту",
                  "Взять в работу"):  # fmt: skip
        assert shown in page
    assert "Отправить" not in page  # a reply only once the case is taken

    status, _, headers = await anna.post("/desk/cases/c-angry/claim")
    assert (status, headers["Location"]) == (303, "/desk/cases/c-angry?done=claim")
    _, page, _ = await anna.get(headers["Location"])
    assert "Обращение взято в работу" in page
    assert "Отправить" in page
    assert "Вернуть в очередь" in page

    status, page, _ = await anna.post("/desk/cases/c-angry/reply", {"text": "   "})
    assert status == 400
    assert "ответ пустой" in page

    status, _, headers = await anna.post("/desk/cases/c-angry/reply", {"text": "Уже смотрю"})
    assert status == 303
    _, page, _ = await anna.get(headers["Location"])
    assert "Ответ отправлен гражданину" in page
    assert "Оператор anna" in page
    assert "Уже смотрю" in page
    assert memory.outbox  # the bot sends it

    status, page, _ = await anna.post("/desk/cases/c-angry/close", {"resolution": "magic"})
    assert status == 400
    assert "неизвестный итог «magic»" in page

    assert (await anna.post("/desk/cases/c-angry/release"))[0] == 303
    assert memory.cases["c-angry"].summary.status == "queued"
    await anna.post("/desk/cases/c-angry/claim")
    assert (await anna.post("/desk/cases/c-angry/close", {"resolution": "redirected"}))[0] == 303
    assert memory.cases["c-angry"].summary.resolution == "redirected"
    _, page, _ = await anna.get("/desk/cases/c-angry")
    assert "Перенаправлен в ведомство" in page
    assert "Взять в работу" not in page
    status, page, _ = await anna.post("/desk/cases/c-angry/claim")
    assert status == 409
    assert "обращение уже закрыто" in page


async def test_another_operators_case_cannot_be_answered(site: Site) -> None:
    anna, boris = await site.browser("anna"), await site.browser("boris")
    await anna.post("/desk/cases/c-old/claim")
    _, page, _ = await boris.get("/desk/cases/c-old")
    assert "Обращение в работе у оператора anna" in page
    status, page, _ = await boris.post("/desk/cases/c-old/reply", {"text": "Это я, Борис"})
    assert status == 409
    assert "обращение ведёт anna" in page
    assert "Это я, Борис" in page  # the draft is kept in the form
    assert (await boris.post("/desk/cases/c-old/close", {"resolution": "answered"}))[0] == 409
    status, page, _ = await boris.get("/desk/cases/no-such")
    assert status == 404
    assert "обращения no-such нет" in page


async def test_what_citizens_wrote_is_escaped(site: Site, memory: MemoryDatabase) -> None:
    await open_cases(memory.units, opened("c-xss", 1, question='<script>alert("x")</script>'))
    anna = await site.browser("anna")
    _, page, headers = await anna.get("/desk/cases/c-xss")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]


async def test_live_parts_say_when_they_changed(site: Site, memory: MemoryDatabase) -> None:
    anna = await site.browser("anna")
    _, page, _ = await anna.get("/desk/cases/c-old")
    version = re.findall(r'data-version="([^"]+)"', page)[0]
    status, fragment, headers = await anna.get("/desk/cases/c-old/live")
    assert status == 200
    assert headers["X-Desk-Version"] == version
    assert headers["X-Desk-State"] == "queued:"
    assert "<html" not in fragment
    async with memory.units() as uow:
        await uow.cases.add_line("c-old", CaseLine("citizen", "Вы здесь?", ago(0)))
        await uow.commit()
    _, fragment, headers = await anna.get("/desk/cases/c-old/live")
    assert "Вы здесь?" in fragment
    assert headers["X-Desk-Version"] != version
    _, queue, headers = await anna.get("/desk/live/queue")
    assert "c-old" in queue
    assert headers["X-Desk-Version"]


# The API.


async def test_the_api_lists_shows_and_acts(site: Site) -> None:
    token = await issue_token(site.accounts, "anna")
    status, body = await site.api("GET", "/desk/api/cases?status=queued", token)
    assert status == 200
    assert [c["id"] for c in body["cases"]] == ["c-old", "c-angry", "c-new"]
    assert body["cases"][1]["kind"] == "complaint"
    status, case = await site.api("GET", "/desk/api/cases/c-angry", token)
    assert status == 200
    assert case["question"] == "Мне третий день не отвечают!"
    assert case["answers"] == [{"question": "Где вы живёте?", "answer": "Москва"}]
    assert [line["author"] for line in case["lines"]] == ["citizen", "assistant"]

    status, case = await site.api("POST", "/desk/api/cases/c-angry/claim", token)
    assert (status, case["status"], case["operator"]) == (200, "claimed", "anna")
    status, case = await site.api("POST", "/desk/api/cases/c-angry/messages", token,
                                  {"text": "Разбираюсь"})  # fmt: skip
    assert status == 200
    assert case["lines"][-1] == {
        "author": "operator", "text": "Разбираюсь", "at": case["lines"][-1]["at"],
        "operator": "anna",
    }  # fmt: skip
    status, case = await site.api("POST", "/desk/api/cases/c-angry/release", token)
    assert (status, case["status"]) == (200, "queued")
    await site.api("POST", "/desk/api/cases/c-angry/claim", token)
    status, case = await site.api("POST", "/desk/api/cases/c-angry/close", token,
                                  {"resolution": "not_answered"})  # fmt: skip
    assert (status, case["status"], case["resolution"]) == (200, "closed", "not_answered")
    status, body = await site.api("GET", "/desk/api/cases?status=closed", token)
    assert [c["id"] for c in body["cases"]] == ["c-angry"]


async def test_the_api_refuses_in_russian_with_the_right_status(site: Site) -> None:
    anna, boris = (
        await issue_token(site.accounts, "anna"),
        await issue_token(site.accounts, "boris"),
    )
    cases = "/desk/api/cases"
    claims = await asyncio.gather(
        site.api("POST", f"{cases}/c-old/claim", anna),
        site.api("POST", f"{cases}/c-old/claim", boris),
    )
    assert sorted(status for status, _ in claims) == [200, 409]
    refused = next(body for status, body in claims if status == 409)
    assert refused["error"].startswith("обращение уже взял(а) ")
    holder = next(body for status, body in claims if status == 200)["operator"]
    other = boris if holder == "anna" else anna

    wrong: list[tuple[str, str, Any, bytes | None, int, str]] = [
        ("GET", f"{cases}/nope", None, None, 404, "обращения nope нет"),
        ("POST", f"{cases}/nope/claim", None, None, 404, "обращения nope нет"),
        ("POST", f"{cases}/c-old/messages", None, None, 400, "объектом JSON"),
        ("POST", f"{cases}/c-old/messages", None, b"{not json", 400, "объектом JSON"),
        ("POST", f"{cases}/c-old/messages", None, b"\xff\xfe\x00", 400, "объектом JSON"),
        ("POST", f"{cases}/c-old/messages", ["text"], None, 400, "объектом JSON"),
        ("POST", f"{cases}/c-old/messages", {"text": 5}, None, 400, "поле text"),
        ("POST", f"{cases}/c-old/messages", {"text": "Привет"}, None, 409, "обращение ведёт"),
        ("POST", f"{cases}/c-old/messages", {"text": "x" * 5000}, None, 400, "длиннее"),
        ("POST", f"{cases}/c-old/release", None, None, 409, "обращение ведёт"),
        ("POST", f"{cases}/c-old/close", {"resolution": "magic"}, None, 400, "неизвестный итог"),
        ("POST", f"{cases}/c-old/close", {}, None, 400, "поле resolution"),
        ("POST", f"{cases}/c-new/messages", {"text": "Привет"}, None, 409, "сначала возьмите"),
        ("GET", f"{cases}?status=lost", None, None, 400, "queued, claimed, closed"),
        ("GET", "/desk/api/unknown", None, None, 404, "Такой страницы нет"),
        ("DELETE", f"{cases}/c-old", None, None, 405, "не поддерживается"),
    ]  # fmt: skip
    for method, path, body, raw, expected, words in wrong:
        status, answer = await site.api(method, path, other, body, raw)
        assert (path, body, status) == (path, body, expected)
        assert words in answer["error"]


async def test_the_citizens_id_and_address_are_never_shown(
    site: Site, memory: MemoryDatabase
) -> None:
    anna = await site.browser("anna")
    for path in ("/desk/", "/desk/live/queue", "/desk/cases/c-old", "/desk/cases/c-old/live"):
        await anna.get(path)
    await anna.post("/desk/cases/c-old/claim")
    await anna.post("/desk/cases/c-old/reply", {"text": "Здравствуйте"})
    await anna.get("/desk/cases/c-old?done=reply")
    await anna.post("/desk/cases/c-old/close", {"resolution": "answered"})
    await anna.get("/desk/?tab=closed")
    await anna.get("/desk/cases/c-old")
    token = await issue_token(site.accounts, "anna")
    answers = [await site.api("GET", f"/desk/api/cases?status={s}", token)
               for s in ("queued", "claimed", "closed")]  # fmt: skip
    answers += [await site.api("GET", f"/desk/api/cases/{c}", token) for c in memory.cases]
    answers.append(await site.api("POST", "/desk/api/cases/c-new/claim", token))
    shown = "\n".join(anna.seen) + json.dumps(answers, ensure_ascii=False)
    assert "Здравствуйте" in shown
    for secret in (CHAT_ID, SESSION_KEY, CONVERSATION):
        assert secret not in shown


async def test_unexpected_failures_are_a_russian_page_not_a_trace(
    kb: KnowledgeBaseContent, memory: MemoryDatabase
) -> None:
    class Broken(Desk):
        async def listing(self, status: Any, limit: int = 200) -> Any:
            raise RuntimeError("secret internals")

    accounts = MemoryAccounts()
    password = await own_password(Authority(accounts, Passwords(FAST)), "anna")
    token = await issue_token(accounts, "anna")
    app = build_app(Broken(kb, memory.units), Authority(accounts, Passwords(FAST)),
                    Pages(situation_titles(kb), "Europe/Moscow"),
                    DeskConfig(secure_cookies=False))  # fmt: skip
    async with TestServer(app, host="127.0.0.1") as server:
        browser = Browser(str(server.make_url("")).rstrip("/"))
        try:
            await browser.login("anna", password)
            status, page, _ = await browser.get("/desk/")
            assert status == 500
            assert "Что-то пошло не так" in page
            assert "secret internals" not in page
            assert "Traceback" not in page
            headers = {"Authorization": f"Bearer {token}"}
            async with browser.http.get(server.make_url("/desk/api/cases"),
                                        headers=headers) as response:  # fmt: skip
                assert response.status == 500
                assert "Что-то пошло не так" in (await response.json())["error"]
        finally:
            await browser.close()


# With the real database: accounts and cases in SQL, as `lifebot run desk` has them.


async def test_the_desk_on_sql_storage(
    kb: KnowledgeBaseContent, sessions: async_sessionmaker[AsyncSession]
) -> None:
    units = SqlUnits(sessions, Pseudonymizer(SECRET))
    await open_cases(units, opened("s-1", 30), opened("s-2", 10, "complaint"))
    site = await start_site(kb, units, OperatorAccounts(sessions))
    try:
        anna, boris = await site.browser("anna"), await site.browser("boris")
        _, page, _ = await anna.get("/desk/")
        assert re.findall(r'data-case="([^"]+)"', page) == ["s-1", "s-2"]
        answers = await asyncio.gather(
            anna.post("/desk/cases/s-1/claim"), boris.post("/desk/cases/s-1/claim")
        )
        assert sorted(status for status, _, _ in answers) == [303, 409]
        winner = anna if answers[0][0] == 303 else boris
        status, _, headers = await winner.post("/desk/cases/s-1/reply", {"text": "Отвечаю"})
        assert status == 303
        _, page, _ = await winner.get(headers["Location"])
        assert "Отвечаю" in page
        token = await issue_token(site.accounts, "anna")
        status, case = await site.api("GET", "/desk/api/cases/s-1", token)
        assert (status, case["lines"][-1]["text"]) == (200, "Отвечаю")
        shown = "\n".join(anna.seen + boris.seen) + json.dumps(case, ensure_ascii=False)
        assert CHAT_ID not in shown
        assert SESSION_KEY not in shown
        status, _, _ = await anna.post("/desk/logout")
        assert status == 303
        assert (await anna.get("/desk/"))[0] == 303
    finally:
        for browser in site.browsers:
            await browser.close()
        await site.server.close()


# The command line.

runner = CliRunner()


@pytest.fixture
def desk_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from storage.migrate import upgrade

    database = tmp_path / "desk.db"
    upgrade(f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("PSEUDONYM_SECRET", SECRET.decode())
    return database


async def test_the_operators_commands(desk_database: Path) -> None:
    from bots.cli import app

    def run(*args: str) -> Any:
        return runner.invoke(app, ["desk", *args])

    made = await asyncio.to_thread(run, "add-operator", "anna")
    assert made.exit_code == 0, made.output
    assert "Оператор «anna» создан" in made.output
    password = made.output.strip().rsplit(" ", 1)[1]
    with sqlite3.connect(desk_database) as db:
        (stored,) = db.execute("SELECT password_hash FROM operators WHERE name='anna'").fetchone()
    assert stored.startswith("$argon2id$")
    assert await Passwords().verify(stored, password)
    assert "Одноразовый пароль" in made.output
    assert _temporary(desk_database, "anna")

    again = await asyncio.to_thread(run, "add-operator", "anna")
    assert again.exit_code == 1
    assert again.output.strip() == "Ошибка: оператор «anna» уже есть"

    issued = await asyncio.to_thread(run, "token", "anna")
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip().rsplit(" ", 1)[1]
    assert len(token) >= 43
    with sqlite3.connect(desk_database) as db:
        kept = [row[0] for row in db.execute("SELECT token_hash FROM operator_tokens")]
    assert kept == [hashlib.sha256(token.encode()).hexdigest()]

    for args in (("token", "nobody"), ("password", "nobody"), ("revoke", "nobody"),
                 ("add-operator", "два слова")):  # fmt: skip
        refused = await asyncio.to_thread(run, *args)
        assert refused.exit_code == 1
        assert refused.output.startswith("Ошибка: ")
        assert len(refused.output.strip().splitlines()) == 1
        assert "Traceback" not in refused.output

    with sqlite3.connect(desk_database) as db:  # she chose her own and logged in twice
        db.execute("UPDATE operators SET password_is_temporary = 0")
        db.executemany("INSERT INTO desk_sessions VALUES (?, 'anna', 'csrf', '2999-01-01')",
                       [("a" * 64,), ("b" * 64,)])  # fmt: skip
    reset = await asyncio.to_thread(run, "password", "anna")
    assert reset.exit_code == 0, reset.output
    assert "Сессии оператора «anna» на рабочем месте закрыты" in reset.output
    new = reset.output.strip().rsplit(" ", 1)[1]
    with sqlite3.connect(desk_database) as db:
        (stored,) = db.execute("SELECT password_hash FROM operators WHERE name='anna'").fetchone()
        assert db.execute("SELECT count(*) FROM desk_sessions").fetchone() == (0,)
    assert await Passwords().verify(stored, new)
    assert not await Passwords().verify(stored, password)
    assert _temporary(desk_database, "anna")  # one-time again

    await asyncio.to_thread(run, "token", "anna")
    with sqlite3.connect(desk_database) as db:
        db.execute("INSERT INTO desk_sessions VALUES (?, 'anna', 'csrf', '2999-01-01')",
                   ("c" * 64,))  # fmt: skip
    revoked = await asyncio.to_thread(run, "revoke", "anna")
    assert revoked.exit_code == 0, revoked.output
    assert "Оператор «anna»: отозвано токенов API — 2, закрыто сессий — 1." in revoked.output
    with sqlite3.connect(desk_database) as db:
        assert db.execute("SELECT count(*) FROM operator_tokens").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM desk_sessions").fetchone() == (0,)
    again = await asyncio.to_thread(run, "revoke", "anna")
    assert "отозвано токенов API — 0, закрыто сессий — 0" in again.output


def _temporary(database: Path, name: str) -> bool:
    with sqlite3.connect(database) as db:
        query = "SELECT password_is_temporary FROM operators WHERE name = ?"
        return bool(db.execute(query, (name,)).fetchone()[0])


async def test_run_desk_serves_until_sigterm(desk_database: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DESK_HOST": "127.0.0.1", "DESK_PORT": str(port),
           "DESK_SECURE_COOKIES": "false", "LOG_FORMAT": "text"}  # fmt: skip
    lifebot = Path(sys.executable).parent / "lifebot"
    process = await asyncio.create_subprocess_exec(
        str(lifebot), "run", "desk", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        page = await _first_page(f"http://127.0.0.1:{port}/desk/login", process)
        assert "Вход" in page
        process.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, errors.decode()
        assert b"Traceback" not in errors
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()


async def _first_page(url: str, process: asyncio.subprocess.Process) -> str:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):  # up to 30 s: the knowledge base loads first
            if process.returncode is not None:
                raise AssertionError((await process.communicate())[1].decode())
            try:
                async with http.get(url) as response:
                    return await response.text()
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("the desk did not start")


# In a real browser.


class DevTools:
    """Just enough of the Chrome DevTools Protocol (over aiohttp's websocket) to drive one
    page: evaluate script in it, and collect what it logs."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.calls = 0
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.problems: list[str] = []
        self.reader = asyncio.create_task(self._read())

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.calls += 1
        answer = asyncio.get_running_loop().create_future()
        self.waiting[self.calls] = answer
        await self.socket.send_json({"id": self.calls, "method": method, "params": params})
        reply = await asyncio.wait_for(answer, 30)
        assert "error" not in reply, reply
        return dict(reply["result"])

    async def evaluate(self, script: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=script, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    async def until(self, condition: str, seconds: float = 15) -> None:
        for _ in range(int(seconds * 10)):
            try:
                if await self.evaluate(f"document.readyState === 'complete' && ({condition})"):
                    return
            except AssertionError:  # the page was being replaced
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"never true: {condition}; page: {await self.text()}")

    async def text(self) -> str:
        return str(await self.evaluate("document.body ? document.body.innerText : ''"))

    async def _read(self) -> None:
        async for message in self.socket:
            data = json.loads(message.data)
            if "id" in data:
                self.waiting.pop(data["id"]).set_result(data)
            elif data["method"] == "Runtime.exceptionThrown":
                self.problems.append(json.dumps(data["params"]["exceptionDetails"]))
            elif data["method"] == "Runtime.consoleAPICalled":
                self.problems.append(json.dumps(data["params"]["args"], ensure_ascii=False))
            elif data["method"] == "Log.entryAdded" and data["params"]["entry"]["level"] in (
                "error", "warning"
            ):  # fmt: skip
                self.problems.append(json.dumps(data["params"]["entry"], ensure_ascii=False))


async def _devtools(browser: str, profile: Path) -> tuple[asyncio.subprocess.Process, str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        browser, *flags, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    port_file = profile / "DevToolsActivePort"
    for _ in range(300):
        if port_file.exists() and len(port_file.read_text().splitlines()) == 2:
            return process, port_file.read_text().splitlines()[0]
        await asyncio.sleep(0.1)
    process.kill()
    await process.wait()
    raise AssertionError("Chromium did not open its DevTools port")


@asynccontextmanager
async def chromium_page(profile: Path) -> AsyncIterator[DevTools]:
    """A headless Chromium with one page driven over DevTools; skips without Chromium."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    chromium, port = await _devtools(browser, profile)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                target = next(t for t in await response.json() if t["type"] == "page")
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = DevTools(ws)
                for domain in ("Page", "Runtime", "Log"):
                    await page.call(f"{domain}.enable")
                yield page
                page.reader.cancel()
    finally:
        chromium.terminate()
        await asyncio.wait_for(chromium.wait(), 30)


async def test_an_operator_logs_in_claims_and_replies_in_chromium(
    kb: KnowledgeBaseContent, memory: MemoryDatabase, tmp_path: Path
) -> None:
    await open_cases(memory.units, opened("c-old", 40), opened("c-angry", 20, "complaint"))
    site = await start_site(kb, memory.units, MemoryAccounts(), poll_seconds=0.3)
    try:
        async with chromium_page(tmp_path / "profile") as page:
            await _log_in_claim_and_reply(page, site, memory)
            shot = await page.call("Page.captureScreenshot", format="png")
            (tmp_path / "case.png").write_bytes(base64.b64decode(shot["data"]))
            assert page.problems == []
    finally:
        await site.server.close()


async def _log_in_claim_and_reply(page: DevTools, site: Site, memory: MemoryDatabase) -> None:
    password = json.dumps(site.passwords["anna"])
    await page.call("Page.navigate", url=site.base + "/desk/")
    await page.until("location.pathname === '/desk/login'")  # no session: the login page
    await page.evaluate(
        "document.querySelector('input[name=name]').value = 'anna';"
        f"document.querySelector('input[name=password]').value = {password};"
        "document.querySelector('form.login button').click()"
    )
    await page.until("location.pathname === '/desk/' && !!document.querySelector('tr.complaint')")
    assert "Жалоба" in await page.text()

    await page.evaluate("document.querySelector('tr[data-case=\"c-angry\"] a').click()")
    await page.until("location.pathname === '/desk/cases/c-angry'")
    await page.evaluate("document.querySelector('button[value=claim]').click()")
    await page.until("!!document.querySelector('form.reply textarea')")
    assert "Обращение взято в работу" in await page.text()
    assert memory.cases["c-angry"].summary.operator == "anna"

    await page.evaluate(
        "document.querySelector('form.reply textarea').value = 'Добрый день, уже разбираюсь';"
        "document.querySelector('button[value=reply]').click()"
    )
    await page.until("document.body.innerText.includes('Ответ отправлен гражданину')")
    assert "Добрый день, уже разбираюсь" in await page.text()
    assert memory.cases["c-angry"].lines[-1].text == "Добрый день, уже разбираюсь"

    # The citizen writes again: the open page shows it without a reload.
    await page.evaluate("window.notReloaded = true")
    async with memory.units() as uow:
        await uow.cases.add_line("c-angry", CaseLine("citizen", "Спасибо, жду", ago(0)))
        await uow.commit()
    await page.until("document.querySelector('#live').innerText.includes('Спасибо, жду')")
    assert await page.evaluate("window.notReloaded === true")
    html = await page.evaluate("document.documentElement.outerHTML")
    assert CHAT_ID not in html
    assert SESSION_KEY not in html
