"""Raw statements through Tortoise's connection, so they share its pool and transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.log import db_client_logger
from tortoise.transactions import in_transaction

from models.sql import Sql

__all__ = ["Sql", "asyncpg_connection", "execute", "fetch", "fetchrow", "fetchval", "in_transaction"]


def _client(conn: BaseDBAsyncClient | None) -> BaseDBAsyncClient:
    return conn if conn is not None else connections.get("default")


async def fetch(query: Sql, conn: BaseDBAsyncClient | None = None) -> list[dict[str, Any]]:
    text, params = query.render()
    return await _client(conn).execute_query_dict(text, params)


async def fetchrow(query: Sql, conn: BaseDBAsyncClient | None = None) -> dict[str, Any] | None:
    rows = await fetch(query, conn)
    return rows[0] if rows else None


async def fetchval(query: Sql, conn: BaseDBAsyncClient | None = None) -> Any:
    client = _client(conn)
    pool = getattr(client, "_pool", None)
    if pool is None or type(client) is not AsyncpgDBClient or isinstance(client, TransactionWrapper):
        row = await fetchrow(query, conn)
        return next(iter(row.values())) if row else None
    # Outside a transaction, straight from the pool: the compiled reads are one value each, and
    # Tortoise's wrapper (row dicts, logging, its own acquire) was a fair part of their CPU.
    text, params = query.render()
    db_client_logger.debug("%s: %s", text, params)  # as Tortoise logs each statement (tests count them)
    try:
        return await pool.fetchval(text, *params)
    except (asyncpg.SyntaxOrAccessError, asyncpg.exceptions.DataError) as exc:  # as Tortoise translates them
        raise OperationalError(exc) from exc
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(exc) from exc


async def execute(query: Sql, conn: BaseDBAsyncClient | None = None) -> int:
    """Run a statement; answer the number of rows it changed."""
    text, params = query.render()
    count, _ = await _client(conn).execute_query(text, params)
    return count


@asynccontextmanager
async def asyncpg_connection() -> AsyncIterator[Any]:
    """The asyncpg connection Tortoise would use here: inside ``in_transaction()`` the transaction's
    own (so libraries speaking asyncpg write in that transaction), else one borrowed from the pool."""
    async with _client(None).acquire_connection() as connection:
        yield connection
