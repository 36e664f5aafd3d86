"""What the desk needs from the rest of the project, as Protocols: the cases (the engine's
``dialogs.desk.Desk``) and the operators' accounts (``storage.operators.OperatorAccounts``,
or ``bots.desk.memory.MemoryAccounts`` in tests)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from dialogs.cases import CaseDetail, CaseStatus, CaseSummary


class CaseDesk(Protocol):
    """What an operator can do with cases; refusals are ``DeskError``s, in Russian."""

    async def listing(self, status: CaseStatus, limit: int = 200) -> list[CaseSummary]: ...

    async def case(self, case_id: str) -> CaseDetail: ...

    async def claim(self, case_id: str, operator: str) -> None: ...

    async def reply(self, case_id: str, operator: str, text: str) -> None: ...

    async def release(self, case_id: str, operator: str) -> None: ...

    async def close(self, case_id: str, operator: str, resolution: str) -> None: ...


class OperatorRecord(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def password_hash(self) -> str: ...

    @property
    def created_at(self) -> dt.datetime: ...

    @property
    def password_is_temporary(self) -> bool:
        """Issued by the desk: the operator must choose their own before any page opens."""


class Accounts(Protocol):
    """Operators, their API tokens and their web sessions. Only hashes are kept: an argon2
    hash of the password, the sha256 of a token and of a session id."""

    async def add(self, name: str, password_hash: str, *, temporary: bool = False) -> None:
        """Raises ``OperatorExists``."""

    async def get(self, name: str) -> OperatorRecord | None: ...

    async def set_password(
        self, name: str, password_hash: str, *, temporary: bool = False
    ) -> None: ...

    async def add_token(self, name: str, token_hash: str) -> None: ...

    async def by_token(self, token_hash: str) -> str | None:
        """The operator the token belongs to."""

    async def open_session(
        self, session_hash: str, name: str, csrf: str, expires_at: dt.datetime
    ) -> None: ...

    async def session(self, session_hash: str, now: dt.datetime) -> tuple[str, str, bool] | None:
        """(operator, csrf token, whether the operator's password is temporary) of a session
        that has not expired."""

    async def close_session(self, session_hash: str) -> None: ...

    async def close_sessions_of(self, name: str) -> int:
        """End every session of the operator; how many there were."""

    async def revoke_tokens(self, name: str) -> int:
        """Delete every API token of the operator; how many there were."""

    async def purge_sessions(self, now: dt.datetime) -> int:
        """Delete expired sessions; how many were."""
