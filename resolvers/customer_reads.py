"""Reading customers: the one path every customer read goes through.

Every read filters the tenant, the caller's scope and live rows (not merged away) in SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from models.db import fetch, fetchrow, fetchval
from models.sql import Sql, and_
from resolvers.customer_filters import customer_filter
from resolvers.live import live_rows
from resolvers.pagination import (
    SortKey,
    after_condition,
    cursor_for,
    decode_cursor,
    order_by,
    page_size,
)
from resolvers.portfolios import Portfolio, portfolio_filter
from resolvers.search import customer_search

COLUMNS = (
    "id", "tenant_id", "name", "trade_name", "email", "email_normalized", "phone", "phone_e164",
    "whatsapp", "whatsapp_e164", "document", "address_street", "address_number",
    "address_complement", "address_neighbourhood", "address_city", "address_state",
    "address_postal_code", "address_country", "status", "origin_channel", "owner_id",
    "billing_parent_id", "custom_fields", "created_by_id", "created_at", "updated_at",
    "last_interaction_at", "last_contacted_at", "version",
)  # fmt: skip
SELECT = ", ".join(f"c.{col}" for col in COLUMNS)
RETURNING = ", ".join(COLUMNS)

DEFAULT_SORT = (
    SortKey("c.created_at", True, "timestamptz", "created_at"),
    SortKey("c.id", True, "uuid", "id"),
)


@dataclass(slots=True)
class CustomerPage:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total_count: Callable[[], Awaitable[int]]


async def customer_where(
    access: Access,
    *,
    search: str | None = None,
    portfolio: Portfolio | None = None,
    seller_id: UUID | None = None,
    filter: dict[str, Any] | None = None,
) -> Sql:
    """The rows a list shows: visibility first, then the caller's portfolio, search and filter."""
    access.require(P.CUSTOMER_READ)
    return and_(
        live_rows(access, P.CUSTOMER_READ),
        portfolio_filter(access, portfolio, seller_id),
        customer_search(access, search),
        await customer_filter(access, filter),
    )


def page_query(where: Sql, limit: int) -> Sql:
    """One page of the list in its default order, plus one row to tell whether more follow."""
    return (
        Sql(f"SELECT {SELECT} FROM customer c WHERE ")
        + where
        + Sql(f" ORDER BY {order_by(DEFAULT_SORT)} LIMIT %s", limit + 1)
    )


async def list_customers(
    access: Access,
    *,
    first: int | None = None,
    after: str | None = None,
    search: str | None = None,
    portfolio: Portfolio | None = None,
    seller_id: UUID | None = None,
    filter: dict[str, Any] | None = None,
) -> CustomerPage:
    limit = page_size(first)
    where = await customer_where(access, search=search, portfolio=portfolio, seller_id=seller_id, filter=filter)
    keys, tag = DEFAULT_SORT, "created"
    page_where = where
    if after:
        page_where = and_(where, after_condition(keys, decode_cursor(after, tag, len(keys))))
    rows = await fetch(page_query(page_where, limit))
    has_next = len(rows) > limit
    rows = rows[:limit]

    async def total_count() -> int:
        return await fetchval(Sql("SELECT count(*) FROM customer c WHERE ") + where)

    return CustomerPage(
        rows=rows,
        cursors=[cursor_for(tag, keys, r) for r in rows],
        has_next=has_next,
        has_previous=after is not None,
        total_count=total_count,
    )


async def get_customer(access: Access, customer_id: UUID) -> dict[str, Any] | None:
    """The customer, or None when it does not exist or the caller may not see it.

    The id of a merged-away customer resolves to the customer it was merged into, so links
    kept by other systems keep working.
    """
    if not access.can(P.CUSTOMER_READ):
        return None
    return await fetchrow(
        Sql(
            f"SELECT {SELECT} FROM customer c WHERE c.id = (SELECT coalesce(m.merged_into_id, m.id) "
            "FROM customer m WHERE m.id = %s AND m.tenant_id = %s) AND ",
            customer_id,
            access.principal.tenant_id,
        )
        + live_rows(access, P.CUSTOMER_READ)
    )


async def get_customers(access: Access, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """The live customers among ``ids`` that the caller may see."""
    if not ids or not access.can(P.CUSTOMER_READ):
        return {}
    rows = await fetch(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", ids)
        + live_rows(access, P.CUSTOMER_READ)
    )
    return {r["id"]: r for r in rows}


async def reread(tenant_id: UUID, customer_id: UUID) -> dict[str, Any]:
    """A row the caller just wrote, inside the same transaction."""
    row = await fetchrow(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = %s AND c.tenant_id = %s", customer_id, tenant_id)
    )
    assert row is not None
    return row
