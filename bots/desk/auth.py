"""Who is at the desk: passwords (argon2), API tokens and web sessions.

Nothing that proves who someone is is kept as it is: a password only as its argon2 hash, a
token and a session id only as their sha256 (they are long random strings, so a fast hash is
enough, and a stolen table opens nothing). Every comparison of a secret is constant-time."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bots.desk.ports import Accounts
from knowledge_base.errors import DeskError

SESSION_LIFETIME = dt.timedelta(hours=12)
OPERATOR_NAME = re.compile(r"[\w.@-]{1,64}")
PASSWORD_MIN = 12  # characters of a password an operator chooses

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(secret: str) -> str:
    """What is kept of a token or a session id."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def new_password() -> str:
    return secrets.token_urlsafe(12)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def checked_name(name: str) -> str:
    name = name.strip()
    if not OPERATOR_NAME.fullmatch(name):
        raise DeskError(
            "имя оператора — от 1 до 64 букв, цифр и знаков «.», «_», «-», «@», без пробелов"
        )
    return name


def checked_new_password(password: str, repeated: str, current: str) -> str:
    if password != repeated:
        raise DeskError("Пароли не совпадают")
    if len(password) < PASSWORD_MIN:
        raise DeskError(f"Пароль должен быть не короче {PASSWORD_MIN} символов")
    if password == current:
        raise DeskError("Новый пароль должен отличаться от текущего")
    return password


class Passwords:
    """argon2id hashing, off the event loop: one hash takes tens of milliseconds on purpose."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """A name that does not exist costs as much as a wrong password: no one can tell
        the operators' names by how fast the desk says no."""
        return await asyncio.to_thread(self._verify, stored or self._decoy, password)

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    @cached_property
    def _decoy(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class Session:
    operator: str
    csrf: str  # every form of this session carries it
    password_is_temporary: bool = False  # then only the change-password page opens


class Authority:
    """Logs operators in and out, finds the operator of a session or of a token."""

    def __init__(self, accounts: Accounts, passwords: Passwords, clock: Clock = utc_now) -> None:
        self.accounts = accounts
        self.passwords = passwords
        self.clock = clock

    async def login(self, name: str, password: str) -> str | None:
        """A new session id for the right password; None otherwise."""
        found = await self.accounts.get(name.strip())
        stored = found.password_hash if found is not None else None
        if not await self.passwords.verify(stored, password) or found is None:
            return None
        if self.passwords.needs_rehash(found.password_hash):
            rehashed = await self.passwords.hash(password)
            temporary = found.password_is_temporary
            await self.accounts.set_password(found.name, rehashed, temporary=temporary)
        session_id = secrets.token_urlsafe(32)
        expires = self.clock() + SESSION_LIFETIME
        await self.accounts.open_session(digest(session_id), found.name, new_token(), expires)
        return session_id

    async def session(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        found = await self.accounts.session(digest(session_id), self.clock())
        return Session(*found) if found is not None else None

    async def logout(self, session_id: str) -> None:
        await self.accounts.close_session(digest(session_id))

    async def token_owner(self, authorization: str | None) -> str | None:
        """The operator of an ``Authorization: Bearer <token>`` header."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return await self.accounts.by_token(digest(token.strip()))

    async def change_password(self, name: str, current: str, new: str, repeated: str) -> None:
        found = await self.accounts.get(name)
        stored = found.password_hash if found is not None else None
        if not await self.passwords.verify(stored, current):
            raise DeskError("Текущий пароль указан неверно")
        checked_new_password(new, repeated, current)
        await self.accounts.set_password(name, await self.passwords.hash(new))


async def add_operator(accounts: Accounts, passwords: Passwords, name: str) -> str:
    """A new operator; their one-time password, to be handed to them once: at the first login
    the desk asks them to choose their own."""
    password = new_password()
    await accounts.add(checked_name(name), await passwords.hash(password), temporary=True)
    return password


async def reset_password(accounts: Accounts, passwords: Passwords, name: str) -> str:
    """A new one-time password of the operator; every desk session of theirs ends (their API
    tokens stay: ``revoke_access`` ends those)."""
    name, password = await _existing(accounts, name), new_password()
    await accounts.set_password(name, await passwords.hash(password), temporary=True)
    await accounts.close_sessions_of(name)
    return password


async def revoke_access(accounts: Accounts, name: str) -> tuple[int, int]:
    """Every API token and desk session of the operator deleted: how many of each."""
    name = await _existing(accounts, name)
    return await accounts.revoke_tokens(name), await accounts.close_sessions_of(name)


async def issue_token(accounts: Accounts, name: str) -> str:
    """A new API token of the operator, to be shown once: only its sha256 is kept."""
    token = new_token()
    await accounts.add_token(await _existing(accounts, name), digest(token))
    return token


async def _existing(accounts: Accounts, name: str) -> str:
    name = name.strip()
    if await accounts.get(name) is None:
        raise DeskError(f"оператора «{name}» нет; создайте его: lifebot desk add-operator {name}")
    return name
