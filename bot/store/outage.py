"""Whether a database failure means "cannot be reached right now" rather than a bug.

An outage passes by itself: the same request succeeds once the database answers again. A bad
statement, a missing table or a broken constraint does not, and must never look like one. What
the drivers really raise (tests/bot/test_outage.py provokes each case):

- asyncpg lets a failed connect through unwrapped: ConnectionRefusedError, TimeoutError,
  socket.gaierror. A connection lost mid-statement is a DBAPIError that SQLAlchemy marks
  `connection_invalidated`, driver SQLSTATE 08003.
- SQLite reports a held lock (SQLITE_BUSY) and a file it cannot open (SQLITE_CANTOPEN) as
  OperationalError, like "no such table" and syntax errors (SQLITE_ERROR): only the code tells.
- SQLAlchemy's own pool raises its TimeoutError when every connection stays busy.
"""

from __future__ import annotations

import errno
import socket
import sqlite3

from sqlalchemy import exc as sa

# SQLSTATE classes and codes (PostgreSQL appendix A) that mean no connection can be had now:
# connection exceptions; authorization refused, which a rotated password looks like at run time
# (redis-py files its AuthenticationError under ConnectionError too); too many connections;
# the server shutting down, crashed, or still starting.
_PG_CLASSES = frozenset({"08", "28"})
_PG_CODES = frozenset({"53300", "57P01", "57P02", "57P03"})
_SQLITE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_CANTOPEN})
# Routing failures arrive as a plain OSError, not one of the ConnectionError subclasses.
_NETWORK_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN,
                             errno.EHOSTDOWN})


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached now (an outage), not that a
    statement is wrong (a bug)."""
    if isinstance(exc, sa.TimeoutError | sa.DisconnectionError):
        return True
    if isinstance(exc, sa.DBAPIError):
        return exc.connection_invalidated or _driver_unreachable(exc.orig)
    return _socket_unreachable(exc)


def driver_code(exc: BaseException) -> str | None:
    """The driver's error code behind a SQLAlchemy error (SQLSTATE, or SQLite's code name):
    what an operator needs to tell one database failure from another."""
    orig = exc.orig if isinstance(exc, sa.DBAPIError) else None
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None)
    return code if isinstance(code, str) else None


def _driver_unreachable(orig: BaseException | None) -> bool:
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        # Extended codes (SQLITE_BUSY_SNAPSHOT...) keep the primary code in the low byte.
        return (sqlite_code & 0xFF) in _SQLITE_CODES
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate in _PG_CODES or sqlstate[:2] in _PG_CLASSES
    return orig is not None and _socket_unreachable(orig)


def _socket_unreachable(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        return True
    # Exactly OSError: its subclasses include FileNotFoundError and every client library's
    # own connection errors, none of which is the database.
    return type(exc) is OSError and exc.errno in _NETWORK_ERRNOS
