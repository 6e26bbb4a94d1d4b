"""Customers: list, read, create, update, tag."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from authz.access import Access
from authz.catalogue import P
from authz.errors import Forbidden
from models.db import fetch, fetchrow, fetchval, in_transaction
from models.sql import Sql, and_
from resolvers import tags as tag_ops
from resolvers.customer_fields import clean_customer_fields, search_text
from resolvers.errors import FieldErrorCode, NotFound, ValidationFailed, VersionConflict
from resolvers.pagination import SortKey, after_condition, cursor_for, decode_cursor, order_by, page_size
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


async def list_customers(
    access: Access,
    *,
    first: int | None = None,
    after: str | None = None,
    search: str | None = None,
) -> CustomerPage:
    limit = page_size(first)
    access.require(P.CUSTOMER_READ)
    where = and_(access.rows(P.CUSTOMER_READ), customer_search(search))
    keys = DEFAULT_SORT
    tag = "created"
    page_where = where
    if after:
        page_where = and_(where, after_condition(keys, decode_cursor(after, tag, len(keys))))
    rows = await fetch(
        Sql(f"SELECT {SELECT} FROM customer c WHERE ")
        + page_where
        + Sql(f" ORDER BY {order_by(keys)} LIMIT %s", limit + 1)
    )
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
    """The customer, or None when it does not exist or the caller may not see it."""
    if not access.can(P.CUSTOMER_READ):
        return None
    return await fetchrow(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = %s AND ", customer_id)
        + access.rows(P.CUSTOMER_READ)
    )


async def get_customers(access: Access, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    if not ids or not access.can(P.CUSTOMER_READ):
        return {}
    rows = await fetch(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", ids)
        + access.rows(P.CUSTOMER_READ)
    )
    return {r["id"]: r for r in rows}


async def _check_owner(access: Access, owner_id: UUID) -> None:
    exists = await fetchval(
        Sql(
            "SELECT 1 FROM app_user WHERE id = %s AND tenant_id = %s AND is_active",
            owner_id,
            access.principal.tenant_id,
        )
    )
    if not exists:
        raise ValidationFailed.one("ownerId", FieldErrorCode.UNKNOWN, "is not an active user of this company")


async def create_customer(access: Access, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.CUSTOMER_CREATE)
    principal = access.principal
    values = clean_customer_fields(data, principal.settings.default_region, creating=True)
    tag_names = tag_ops.clean_tag_names(data.get("tags") or [])
    if "ownerId" in data:
        if not access.can(P.CUSTOMER_ASSIGN):
            raise Forbidden("Your role may not choose the seller responsible for a customer.")
        if data["ownerId"] is not None:
            await _check_owner(access, data["ownerId"])
        values["owner_id"] = data["ownerId"]
    elif not access.can(P.CUSTOMER_ASSIGN):
        # Without the right to assign, a new customer lands in the creator's own portfolio.
        values["owner_id"] = principal.user_id
    values.pop("_search_changed", None)
    values["search_text"] = search_text(values.get("name"), values.get("trade_name"))
    values.update(id=uuid4(), tenant_id=principal.tenant_id, created_by_id=principal.user_id)
    columns = list(values)
    async with in_transaction():
        row = await fetchrow(
            Sql(
                f"INSERT INTO customer ({', '.join(columns)}) VALUES "
                f"({', '.join(['%s'] * len(columns))}) RETURNING {RETURNING}",
                *values.values(),
            )
        )
        assert row is not None
        if tag_names:
            await tag_ops.attach(principal.tenant_id, row["id"], tag_names)
    return row


async def _locate_for_change(access: Access, customer_id: UUID, perm: Any) -> dict[str, Any]:
    """The row (locked) when the caller may change it; otherwise NotFound or Forbidden.

    A customer the caller cannot even read answers NotFound, exactly like a missing id.
    """
    row = await fetchrow(
        Sql("SELECT c.id, c.version, c.name, c.trade_name FROM customer c WHERE c.id = %s AND ", customer_id)
        + access.rows(perm)
        + Sql(" FOR UPDATE")
    )
    if row is not None:
        return row
    visible = await fetchval(
        Sql("SELECT 1 FROM customer c WHERE c.id = %s AND ", customer_id) + access.rows(P.CUSTOMER_READ)
    )
    if visible:
        raise Forbidden(f"Your role may not {perm.action} this customer.")
    raise NotFound("Customer", str(customer_id))


async def update_customer(
    access: Access,
    customer_id: UUID,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> dict[str, Any]:
    access.require(P.CUSTOMER_UPDATE)
    principal = access.principal
    values = clean_customer_fields(data, principal.settings.default_region, creating=False)
    if "ownerId" in data:
        if not access.can(P.CUSTOMER_ASSIGN):
            raise Forbidden("Your role may not change the seller responsible for a customer.")
        if data["ownerId"] is not None:
            await _check_owner(access, data["ownerId"])
        values["owner_id"] = data["ownerId"]
    async with in_transaction():
        current = await _locate_for_change(access, customer_id, P.CUSTOMER_UPDATE)
        if expected_version is not None and current["version"] != expected_version:
            raise VersionConflict(expected_version, current["version"])
        if values.pop("_search_changed", False):
            values["search_text"] = search_text(
                values.get("name", current["name"]), values.get("trade_name", current["trade_name"])
            )
        assignments = ", ".join(f"{col} = %s" for col in values)
        if assignments:
            assignments += ", "
        row = await fetchrow(
            Sql(
                f"UPDATE customer SET {assignments}version = version + 1, updated_at = now() "
                f"WHERE id = %s AND tenant_id = %s RETURNING {RETURNING}",
                *values.values(),
                customer_id,
                principal.tenant_id,
            )
        )
    assert row is not None
    return row


async def change_tags(
    access: Access, customer_id: UUID, *, add: list[str] | None = None, remove: list[str] | None = None
) -> dict[str, Any]:
    access.require(P.CUSTOMER_TAG)
    principal = access.principal
    to_add = tag_ops.clean_tag_names(add or [])
    to_remove = tag_ops.clean_tag_names(remove or [])
    async with in_transaction():
        await _locate_for_change(access, customer_id, P.CUSTOMER_TAG)
        if to_add:
            await tag_ops.attach(principal.tenant_id, customer_id, to_add)
        if to_remove:
            await tag_ops.detach(principal.tenant_id, customer_id, to_remove)
        row = await fetchrow(
            Sql(
                f"UPDATE customer SET updated_at = now() WHERE id = %s AND tenant_id = %s RETURNING {RETURNING}",
                customer_id,
                principal.tenant_id,
            )
        )
    assert row is not None
    return row
