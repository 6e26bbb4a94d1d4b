"""The rows of an export, streamed from a server-side cursor in batches: the ``customers`` list's
own statements (``every_row_queries``) narrowed by the caller's export scope, never more rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import IO, Any

from authz.access import Access
from authz.catalogue import P
from authz.masking import contact_hidden
from authz.rows import rows_for
from models.db import asyncpg_connection, fetchval, in_transaction
from models.sql import Sql, and_
from resolvers.customer_reads import ListPlan, every_row_queries
from resolvers.exports.columns import ExportColumn, csv_select_list, select_list

BATCH_ROWS = 2_000
# A cursor's FETCH is one statement: a large sort before the first rows may take longer than the
# API's statement timeout, which is for requests, not for a job writing a file.
STATEMENT_TIMEOUT = "10min"


def narrowed(access: Access, plan: ListPlan) -> ListPlan:
    """The list's plan within the caller's export scope: a narrower grant of ``customer:export``
    than of ``customer:read`` leaves rows out; it never adds any."""
    scope = rows_for(access, "Customer", P.CUSTOMER_EXPORT, "c")
    plan.where = and_(plan.where, scope)
    plan.base = and_(plan.base, scope)
    return plan


async def count_up_to(plan: ListPlan, limit: int) -> int:
    """How many rows the export holds, counting no further than ``limit`` (then: more than that)."""
    return int(
        await fetchval(
            Sql("SELECT count(*) FROM (SELECT 1 FROM customer c WHERE ") + plan.where + Sql(" LIMIT %s) n", limit)
        )
    )


async def stream_rows(
    access: Access, plan: ListPlan, columns: Sequence[ExportColumn], *, ids: bool
) -> AsyncIterator[list[Any]]:
    """Batches of rows in the list's order, read through a cursor inside one transaction (one
    snapshot from the first row to the last), contact data already withheld in SQL."""
    queries = every_row_queries(plan, select_list(columns, contact_hidden(access), ids=ids))
    async with in_transaction(), asyncpg_connection() as connection:
        await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        await connection.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
        await connection.execute("SET LOCAL jit = off")  # compiling the many cell expressions costs seconds
        for query in queries:
            text, params = query.render()
            cursor = await connection.cursor(text, *params)
            while batch := await cursor.fetch(BATCH_ROWS):
                yield batch


async def copy_csv(
    access: Access, plan: ListPlan, columns: Sequence[ExportColumn], delimiter: str, out: IO[bytes]
) -> int:
    """The rows as CSV lines written by PostgreSQL (``COPY (the list's statement) TO STDOUT``)
    straight into ``out``, chunk by chunk; answer the number of rows. The cells are
    ``csv_select_list``'s: contact data withheld, formulas made inert, in SQL."""
    select, aliases = csv_select_list(columns, contact_hidden(access), access.principal.tenant_id)
    queries = every_row_queries(plan, select)
    count = 0

    async def write(chunk: bytes) -> None:
        out.write(chunk)

    async with in_transaction(), asyncpg_connection() as connection:
        await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        await connection.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
        await connection.execute("SET LOCAL jit = off")  # compiling the many cell expressions costs seconds
        for query in queries:
            # Only the cells: the sort values the list's statement adds stay inside.
            text, params = (Sql(f"SELECT {', '.join(aliases)} FROM (") + query + Sql(") q")).render()
            status = await connection.copy_from_query(
                text, *params, output=write, format="csv", delimiter=delimiter, null=""
            )
            count += int(status.split()[-1])
    return count
