"""Customers' ids in other systems (``externalIds``): checked, written, read and looked up.

One customer per company, source and id: the unique constraint decides (a concurrent writer of
the same id waits for the first to end, then finds it taken), never a read before the write.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.rows import visible_rows
from models.db import execute, fetch, fetchrow, in_transaction
from models.integrations import EXTERNAL_ID
from models.sql import FALSE, Sql
from resolvers import customers as customer_ops
from resolvers.customer_reads import SELECT
from resolvers.customers import Outcome
from resolvers.duplicates import OnDuplicate
from resolvers.errors import Errors, FieldErrorCode

FIELD = "externalIds"
MAX_IDS = 20
ID_MAX = 255
# A system's short name: lower-case letters, digits and . _ - (``shopify``, ``erp.sap``).
SOURCE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")

Pair = tuple[str, str]  # (source, external id)


def clean_source(raw: Any) -> str | None:
    """The source in its stored form (trimmed, lower case), or None when it is not a valid one."""
    source = str(raw or "").strip().lower()
    return source if SOURCE.fullmatch(source) else None


def clean_id(raw: Any) -> str | None:
    value = str(raw or "").strip()
    if not value or len(value) > ID_MAX or not value.isprintable():
        return None
    return value


def clean_pairs(items: list[dict[str, Any]], errors: Errors, field: str = FIELD) -> list[Pair]:
    """The (source, id) pairs of an ``externalIds`` input, each problem added to ``errors``."""
    if len(items) > MAX_IDS:
        errors.add(field, FieldErrorCode.TOO_MANY, f"at most {MAX_IDS} external ids")
        return []
    pairs: list[Pair] = []
    for n, item in enumerate(items):
        source, value = clean_source(item.get("source")), clean_id(item.get("id"))
        if source is None:
            errors.add(f"{field}.{n}.source", FieldErrorCode.INVALID, "must be 1-64 of a-z 0-9 . _ - (a system's name)")
        if value is None:
            errors.add(f"{field}.{n}.id", FieldErrorCode.INVALID, f"must be 1-{ID_MAX} characters, no control ones")
        if source is None or value is None:
            continue
        if (source, value) in pairs:
            errors.add(f"{field}.{n}", FieldErrorCode.DUPLICATE, "is listed twice")
            continue
        pairs.append((source, value))
    return pairs


async def write(tenant_id: UUID, customer_id: UUID, pairs: list[Pair], *, replace: bool) -> None:
    """Give the customer these ids (inside the caller's transaction); ValidationFailed (TAKEN)
    when another customer of the company holds one. With ``replace``, the customer's other ids
    in the sources listed are dropped (its ids in other sources stay)."""
    sources = sorted({s for s, _ in pairs})
    values = [v for _, v in pairs]
    if replace and sources:
        await execute(
            Sql(
                "DELETE FROM customer_external_id e WHERE e.tenant_id = %s AND e.customer_id = %s "
                "AND e.source = ANY(%s::text[]) AND (e.source, e.external_id) NOT IN "
                "(SELECT * FROM unnest(%s::text[], %s::text[]))",
                tenant_id,
                customer_id,
                sources,
                [s for s, _ in pairs],
                values,
            )
        )
    if not pairs:
        return
    taken = await fetch(
        Sql(
            "WITH wanted(source, external_id) AS (SELECT * FROM unnest(%s::text[], %s::text[])), "
            "added AS (INSERT INTO customer_external_id (id, tenant_id, customer_id, source, external_id) "
            "SELECT gen_random_uuid(), %s, %s, source, external_id FROM wanted "
            "ON CONFLICT (tenant_id, source, external_id) DO NOTHING RETURNING source, external_id) "
            "SELECT w.source, w.external_id FROM wanted w "
            "WHERE NOT EXISTS (SELECT 1 FROM added a WHERE a.source = w.source AND a.external_id = w.external_id) "
            "AND NOT EXISTS (SELECT 1 FROM customer_external_id e WHERE e.tenant_id = %s AND e.customer_id = %s "
            "AND e.source = w.source AND e.external_id = w.external_id)",
            [s for s, _ in pairs],
            values,
            tenant_id,
            customer_id,
            tenant_id,
            customer_id,
        )
    )
    if taken:
        errors = Errors()
        for row in taken:
            n = pairs.index((row["source"], row["external_id"]))
            errors.add(f"{FIELD}.{n}", FieldErrorCode.TAKEN, "belongs to another customer")
        errors.raise_if_any()


async def ids_of_customers(access: Access, customer_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """Each customer's external ids (the ExternalId rule), by source then id."""
    out: dict[UUID, list[dict[str, Any]]] = {cid: [] for cid in customer_ids}
    where = visible_rows(access, "ExternalId", "x")
    if where is FALSE:
        return out
    rows = await fetch(
        Sql(
            f"SELECT {EXTERNAL_ID.select('x')} FROM customer_external_id x WHERE x.customer_id = ANY(%s::uuid[]) AND ",
            customer_ids,
        )
        + where
        + Sql(" ORDER BY x.source, x.external_id")
    )
    for row in rows:
        out[row["customer_id"]].append(row)
    return out


async def customer_by_external_id(access: Access, source: str, external_id: str) -> dict[str, Any] | None:
    """The customer holding this id, when the caller may read it; None otherwise (as if none did)."""
    access.require(P.CUSTOMER_READ)
    source_, value = clean_source(source), clean_id(external_id)
    where = visible_rows(access, "Customer", "c")
    if source_ is None or value is None or where is FALSE:
        return None
    return await fetchrow(
        Sql(
            f"SELECT {SELECT} FROM customer_external_id e JOIN customer c ON c.id = e.customer_id "
            "AND c.tenant_id = e.tenant_id WHERE e.tenant_id = %s AND e.source = %s AND e.external_id = %s AND ",
            access.principal.tenant_id,
            source_,
            value,
        )
        + where
    )


def take_pairs(data: dict[str, Any]) -> list[Pair] | None:
    """Remove ``externalIds`` from a customer input: its pairs (None when absent); ValidationFailed."""
    if FIELD not in data:
        return None
    errors = Errors()
    pairs = clean_pairs(data.pop(FIELD) or [], errors)
    errors.raise_if_any()
    return pairs


async def create_with_ids(
    access: Access, data: dict[str, Any], mode: OnDuplicate, pairs: list[Pair] | None
) -> tuple[dict[str, Any], Outcome]:
    """createCustomer: the customer (or the one the input folded into) gets the ids, in one transaction."""
    if not pairs:
        return await customer_ops.create_customer(access, data, mode)
    async with in_transaction():
        row, outcome = await customer_ops.create_customer(access, data, mode)
        await write(access.principal.tenant_id, row["id"], pairs, replace=outcome is Outcome.UPDATED)
    return row, outcome


async def update_with_ids(
    access: Access, customer_id: UUID, data: dict[str, Any], expected: int | None, pairs: list[Pair] | None
) -> dict[str, Any]:
    """updateCustomer: the fields and, for the sources listed, the ids, in one transaction."""
    if pairs is None:
        return await customer_ops.update_customer(access, customer_id, data, expected)
    async with in_transaction():
        row = await customer_ops.update_customer(access, customer_id, data, expected)
        await write(access.principal.tenant_id, row["id"], pairs, replace=True)
    return row
