"""Duplicate customers: what would clash, what already clashes, and the typed refusal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.rows import rows_for, visible_rows
from models.db import fetch, fetchval
from models.sql import TRUE, Sql
from resolvers import contact_keys
from resolvers.contact import display_key
from resolvers.contact_keys import Key, Match
from resolvers.cursors import ListCursors
from resolvers.customer_fields import clean_customer_fields
from resolvers.customer_reads import get_customers
from resolvers.errors import DomainError
from resolvers.pagination import SortKey, after_condition, order_by, page_size


class OnDuplicate(StrEnum):
    BLOCK = "block"  # write nothing, answer DuplicateCustomer
    MERGE = "merge"  # fill the existing customer's empty fields, unite tags
    UPDATE = "update"  # overwrite the existing customer's fields with the given ones


@dataclass
class DuplicateHit:
    customer_id: UUID
    fields: list[str]  # the input fields whose value matched: email, phone, whatsapp
    row: dict[str, Any] | None  # the customer, when the caller may see it


class DuplicateFound(DomainError):
    def __init__(self, hits: list[DuplicateHit], note: str | None = None) -> None:
        self.hits = hits
        fields = sorted({f for hit in hits for f in hit.fields})
        hidden = sum(1 for hit in hits if hit.row is None)
        parts = [f"A customer with the same {' and '.join(fields)} already exists."]
        if hidden:
            parts.append(
                "It is held by another portfolio."
                if len(hits) == 1
                else f"{hidden} of them are held by other portfolios."
            )
        if note:
            parts.append(note)
        super().__init__(" ".join(parts))


async def hits_for(access: Access, wanted: dict[Key, set[str]], matches: list[Match]) -> list[DuplicateHit]:
    visible = await get_customers(access, [m.customer_id for m in matches])
    return [
        DuplicateHit(
            customer_id=m.customer_id,
            fields=sorted({f for key in m.keys for f in wanted.get(key, set())}),
            row=visible.get(m.customer_id),
        )
        for m in matches
    ]


async def candidates(access: Access, data: dict[str, Any], exclude_id: UUID | None = None) -> list[DuplicateHit]:
    """Which customers would clash with this (partial) input, before anything is saved.

    ``exclude_id`` (the customer being edited) counts only when the caller may read that customer:
    excluding one it cannot see would tell, by the hit that disappears, which hidden customer
    holds the value. Any other id is ignored, so the answer is the same whether it exists or not.
    """
    contact = {k: v for k, v in data.items() if k in ("email", "phone", "whatsapp") and v}
    values = clean_customer_fields(contact, access.principal.settings.default_region, creating=False)
    wanted = contact_keys.keys_of(values)
    exclude = [exclude_id] if exclude_id and await _readable(access, exclude_id) else None
    matches = await contact_keys.find_holders(access.principal.tenant_id, list(wanted), exclude=exclude)
    return await hits_for(access, wanted, matches)


async def _readable(access: Access, customer_id: UUID) -> bool:
    return bool(
        await fetchval(
            Sql("SELECT 1 FROM customer c WHERE c.id = %s AND ", customer_id) + visible_rows(access, "Customer", "c")
        )
    )


@dataclass
class DuplicateGroup:
    kind: str
    value: str
    size: int
    customer_ids: list[UUID]
    cursor: str


GROUP_SORT = (
    SortKey("g.size", True, "int", "size"),
    SortKey("g.kind", False, "text", "kind"),
    SortKey("g.value", False, "text", "value"),
)


async def groups(
    access: Access, *, first: int | None, after: str | None
) -> tuple[list[DuplicateGroup], bool, Callable[[], Awaitable[int]]]:
    """Clusters of live customers (that the caller may see) sharing a key, biggest first."""
    limit = page_size(first)
    access.require(P.DUPLICATE_READ)
    grouped = (
        Sql(
            "SELECT k.kind, k.value, count(DISTINCT c.id)::int AS size, array_agg(DISTINCT c.id) AS ids "
            "FROM customer_contact_key k JOIN customer c ON c.id = k.customer_id WHERE k.tenant_id = %s AND ",
            access.principal.tenant_id,
        )
        + rows_for(access, "Customer", P.DUPLICATE_READ, "c")
        + Sql(" GROUP BY k.kind, k.value HAVING count(DISTINCT c.id) > 1")
    )
    # Sealed: a group's cursor holds its key (a phone number, an email).
    cursors = ListCursors.of(access.principal, "duplicateGroups")
    where = TRUE
    if after:
        where = after_condition(GROUP_SORT, cursors.decode(after, len(GROUP_SORT)))
    rows = await fetch(
        grouped.wrap("WITH g AS (", ") SELECT * FROM g WHERE ")
        + where
        + Sql(f" ORDER BY {order_by(GROUP_SORT)} LIMIT %s", limit + 1)
    )
    found = [
        DuplicateGroup(
            r["kind"],
            display_key(r["value"]) if r["kind"] == "phone" else r["value"],
            r["size"],
            list(r["ids"]),
            cursors.encode([r[k.field] for k in GROUP_SORT]),
        )
        for r in rows[:limit]
    ]

    async def total_count() -> int:
        return await fetchval(grouped.wrap("SELECT count(*) FROM (", ") g"))

    return found, len(rows) > limit, total_count
