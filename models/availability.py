"""Is this failure the database being unreachable (down, restarting, failing over)?

Such a failure is not the request's fault nor a bug: the API answers it with a typed 503
(DATABASE_UNAVAILABLE) and the pool reconnects by itself once PostgreSQL is back.
"""

from __future__ import annotations

import traceback

import asyncpg
from asyncpg import exceptions as pg
from tortoise.exceptions import DBConnectionError

# Connection lost or refused by PostgreSQL itself: shutting down, starting up, recovering, full.
_SERVER_SIDE = (
    pg.PostgresConnectionError,  # 08xxx, among them "connection was closed in the middle of operation"
    pg.CannotConnectNowError,  # 57P03 starting up or shutting down
    pg.AdminShutdownError,  # 57P01 a fast shutdown cut the session
    pg.CrashShutdownError,  # 57P02
    pg.TooManyConnectionsError,  # 53300
    DBConnectionError,
    # A pooled connection cut by the server in the middle of an operation can be handed out once
    # more before the pool notices ("cannot switch to state 12; another operation is in progress").
    pg._base.InternalClientError,
)


def _from_the_driver(exc: BaseException) -> bool:
    """An OSError (refused, reset, no socket file) counts only when raised inside asyncpg: a missing
    file elsewhere (an upload, a policy file) is not an outage."""
    return any("asyncpg" in frame.f_code.co_filename for frame, _ in traceback.walk_tb(exc.__traceback__))


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc``, or anything it wraps, says the database cannot be reached right now."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _SERVER_SIDE):
            return True
        if isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc):
            return True
        if isinstance(exc, OSError) and _from_the_driver(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
