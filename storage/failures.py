"""Which database failures are an outage (try the same thing again later) and which are not.

An outage is a connection that could not be opened or was lost, a server shutting down, a
statement or lock timeout, a full pool, a deadlock. Drivers report these as their own errors
and often as bare ``OSError`` or ``TimeoutError`` that SQLAlchemy does not wrap; anything else
(a constraint, a bad value) would fail again on every retry and is not an outage."""

from __future__ import annotations

from sqlalchemy import exc

# SQLSTATE classes and codes that clear by themselves: connection exceptions, operator
# intervention (query cancelled by statement_timeout, admin shutdown), insufficient resources,
# lock not available, serialization failure and deadlock.
_TRANSIENT_CLASSES = ("08", "53", "57")
_TRANSIENT_CODES = ("55P03", "40001", "40P01")


def is_outage(error: BaseException) -> bool:
    if isinstance(error, OSError | TimeoutError | exc.TimeoutError | exc.InterfaceError):
        return True
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or _transient(error) or _sqlite_busy(error)
    return False


def _transient(error: exc.DBAPIError) -> bool:
    code = str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", "") or "")
    return code.startswith(_TRANSIENT_CLASSES) or code in _TRANSIENT_CODES


def _sqlite_busy(error: exc.DBAPIError) -> bool:
    return isinstance(error, exc.OperationalError) and "locked" in str(error.orig)
