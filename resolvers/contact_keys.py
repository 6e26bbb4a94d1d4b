"""Contact keys: the values duplicate detection compares, claimed race-free in PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple
from uuid import UUID

from models.db import execute, fetch
from models.sql import Sql
from resolvers.contact import phone_key

# Which customer column yields which key kind, and the API name of the field.
KEY_SOURCES = (
    ("email_normalized", "email", "email"),
    ("phone_e164", "phone", "phone"),
    ("whatsapp_e164", "phone", "whatsapp"),
)


class Key(NamedTuple):
    """A tuple, so hashing and comparing it (an import does it for every key of every row) is C's work."""

    kind: str  # "email" or "phone" (phones and WhatsApp numbers share one key space)
    value: str


@dataclass
class Match:
    """An existing live customer holding some of the keys."""

    customer_id: UUID
    keys: set[Key] = field(default_factory=set)


def keys_of(values: dict[str, Any]) -> dict[Key, set[str]]:
    """The keys a customer with these column values holds, each with the API fields yielding it."""
    keys: dict[Key, set[str]] = {}
    for column, kind, api_field in KEY_SOURCES:
        raw = values.get(column)
        if raw:
            value = phone_key(raw) if kind == "phone" else raw
            keys.setdefault(Key(kind, value), set()).add(api_field)
    return keys


async def find_holders(tenant_id: UUID, keys: list[Key], exclude: list[UUID] | None = None) -> list[Match]:
    """Live customers holding any of ``keys`` (a tombstone's key counts for its primary)."""
    if not keys:
        return []
    rows = await fetch(
        Sql(
            "SELECT k.kind, k.value, coalesce(c.merged_into_id, c.id) AS holder "
            "FROM customer_contact_key k JOIN customer c ON c.id = k.customer_id "
            "WHERE k.tenant_id = %s AND (k.kind, k.value) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[])) "
            "AND NOT (coalesce(c.merged_into_id, c.id) = ANY(%s::uuid[]))",
            tenant_id,
            [k.kind for k in keys],
            [k.value for k in keys],
            exclude or [],
        )
    )
    matches: dict[UUID, Match] = {}
    for row in rows:
        matches.setdefault(row["holder"], Match(row["holder"])).keys.add(Key(row["kind"], row["value"]))
    return list(matches.values())


async def insert_keys(tenant_id: UUID, pairs: list[tuple[UUID, Key]], *, exclusive: bool) -> set[tuple[UUID, Key]]:
    """Insert many customers' keys in one statement; answer the (customer, key) pairs inserted. An
    exclusive pair left out lost its key to another customer (the partial unique index decides)."""
    if not pairs:
        return set()
    rows = await fetch(
        Sql(
            "INSERT INTO customer_contact_key (tenant_id, customer_id, kind, value, exclusive) "
            "SELECT %s, k.customer_id, k.kind, k.value, %s FROM unnest(%s::uuid[], %s::text[], %s::text[]) "
            "AS k(customer_id, kind, value) ON CONFLICT DO NOTHING RETURNING customer_id, kind, value",
            tenant_id,
            exclusive,
            [c for c, _ in pairs],
            [k.kind for _, k in pairs],
            [k.value for _, k in pairs],
        )
    )
    return {(r["customer_id"], Key(r["kind"], r["value"])) for r in rows}


async def claim(tenant_id: UUID, customer_id: UUID, values: dict[str, Any], *, exclusive: bool) -> list[Match]:
    """Make the customer's key rows match ``values``. Answer the holders of keys it could not take.

    Exclusive rows race through the partial unique index: of two transactions claiming the same
    key, the second waits for the first and then inserts nothing, so it learns it lost.
    """
    keys = list(keys_of(values))
    await execute(
        Sql(
            "DELETE FROM customer_contact_key WHERE tenant_id = %s AND customer_id = %s "
            "AND (kind, value) NOT IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            tenant_id,
            customer_id,
            [k.kind for k in keys],
            [k.value for k in keys],
        )
    )
    if not keys:
        return []
    inserted = await fetch(
        Sql(
            "INSERT INTO customer_contact_key (tenant_id, customer_id, kind, value, exclusive) "
            "SELECT %s, %s, kind, value, %s FROM unnest(%s::text[], %s::text[]) AS k(kind, value) "
            "ON CONFLICT DO NOTHING RETURNING kind, value",
            tenant_id,
            customer_id,
            exclusive,
            [k.kind for k in keys],
            [k.value for k in keys],
        )
    )
    if not exclusive or len(inserted) == len(keys):
        return []
    taken = set(keys) - {Key(r["kind"], r["value"]) for r in inserted}
    mine = await fetch(
        Sql(
            "SELECT kind, value FROM customer_contact_key WHERE tenant_id = %s AND customer_id = %s",
            tenant_id,
            customer_id,
        )
    )
    taken -= {Key(r["kind"], r["value"]) for r in mine}
    return await find_holders(tenant_id, list(taken), exclude=[customer_id]) if taken else []
