"""Tags: named labels of a tenant, created on first use."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.rows import visible_rows
from models.db import execute, fetch, fetchrow, in_transaction
from models.sql import FALSE, Sql
from models.tags import TAG
from models.webhooks import WebhookEventType
from resolvers import history, outbox
from resolvers.audit import record_audit
from resolvers.errors import Errors, FieldErrorCode, NotFound
from resolvers.history import EventKind

TAG_MAX_LENGTH = 80
MAX_TAGS_PER_CALL = 50


def tag_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def clean_tag_names(names: list[str], field: str = "tags") -> list[str]:
    errors = Errors()
    if len(names) > MAX_TAGS_PER_CALL:
        errors.add(field, FieldErrorCode.TOO_MANY, f"at most {MAX_TAGS_PER_CALL} tags at once")
    cleaned: dict[str, str] = {}
    for i, raw in enumerate(names):
        name = " ".join(raw.split())
        if not name:
            errors.add(f"{field}[{i}]", FieldErrorCode.REQUIRED, "a tag cannot be empty")
        elif len(name) > TAG_MAX_LENGTH:
            errors.add(f"{field}[{i}]", FieldErrorCode.TOO_LONG, f"must be at most {TAG_MAX_LENGTH} characters")
        else:
            cleaned.setdefault(tag_key(name), name)
    errors.raise_if_any()
    return list(cleaned.values())


async def attach(tenant_id: UUID, customer_id: UUID, names: list[str]) -> list[str]:
    """Create missing tags and attach them; answer the names newly attached.

    Concurrent callers cannot create a tag twice: the unique (tenant, name_key) decides.
    """
    keys = [tag_key(n) for n in names]
    await execute(
        Sql(
            "INSERT INTO tag (tenant_id, name, name_key) "
            "SELECT %s, n.name, n.key FROM unnest(%s::text[], %s::text[]) AS n(name, key) "
            "ON CONFLICT (tenant_id, name_key) DO NOTHING",
            tenant_id,
            names,
            keys,
        )
    )
    rows = await fetch(
        Sql(
            "WITH linked AS (INSERT INTO customer_tag (tenant_id, customer_id, tag_id) "
            "SELECT %s, %s, t.id FROM tag t WHERE t.tenant_id = %s AND t.name_key = ANY(%s::text[]) "
            "ON CONFLICT (tenant_id, customer_id, tag_id) DO NOTHING RETURNING tag_id) "
            "SELECT t.name FROM linked JOIN tag t ON t.id = linked.tag_id ORDER BY t.name_key",
            tenant_id,
            customer_id,
            tenant_id,
            keys,
        )
    )
    return [r["name"] for r in rows]


async def detach(tenant_id: UUID, customer_id: UUID, names: list[str]) -> list[str]:
    """Detach tags by name; answer the names that were attached."""
    rows = await fetch(
        Sql(
            "DELETE FROM customer_tag ct USING tag t WHERE ct.tenant_id = %s AND ct.customer_id = %s "
            "AND t.id = ct.tag_id AND t.tenant_id = %s AND t.name_key = ANY(%s::text[]) RETURNING t.name",
            tenant_id,
            customer_id,
            tenant_id,
            [tag_key(n) for n in names],
        )
    )
    return sorted(r["name"] for r in rows)


async def tags_of_customers(access: Access, customer_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """Each customer's tags (the Tag rule)."""
    out: dict[UUID, list[dict[str, Any]]] = {cid: [] for cid in customer_ids}
    where = visible_rows(access, "Tag", "t")
    if where is FALSE:
        return out
    rows = await fetch(
        Sql(
            f"SELECT ct.customer_id, {TAG.select('t')} FROM customer_tag ct "
            "JOIN tag t ON t.id = ct.tag_id AND t.tenant_id = ct.tenant_id WHERE ct.customer_id = ANY(%s::uuid[]) AND ",
            customer_ids,
        )
        + where
        + Sql(" ORDER BY t.name_key")
    )
    for row in rows:
        out[row["customer_id"]].append(row)
    return out


async def list_tags(access: Access) -> list[dict[str, Any]]:
    """The company's tags, with how many customers the caller may see hold each."""
    access.require(P.CUSTOMER_READ)
    return await fetch(
        Sql(
            f"SELECT {TAG.select('t')}, (SELECT count(*) FROM customer_tag ct JOIN customer c ON c.id = ct.customer_id "
            "WHERE ct.tenant_id = t.tenant_id AND ct.tag_id = t.id AND "
        )
        + visible_rows(access, "Customer", "c")
        + Sql(")::int AS customers FROM tag t WHERE ")
        + visible_rows(access, "Tag", "t")
        + Sql(" ORDER BY t.name_key")
    )


async def delete_tag(access: Access, tag_id: UUID) -> int:
    """Delete a tag from the company and every customer; answer how many customers held it."""
    access.require(P.TAG_MANAGE)
    tenant = access.principal.tenant_id
    async with in_transaction():
        tag = await fetchrow(
            Sql("SELECT id, name FROM tag WHERE id = %s AND tenant_id = %s FOR UPDATE", tag_id, tenant)
        )
        if tag is None:
            raise NotFound("Tag", str(tag_id))
        holders = [
            r["customer_id"]
            for r in await fetch(
                Sql(
                    "DELETE FROM customer_tag WHERE tenant_id = %s AND tag_id = %s RETURNING customer_id",
                    tenant,
                    tag_id,
                )
            )
        ]
        await execute(Sql("DELETE FROM tag WHERE id = %s AND tenant_id = %s", tag_id, tenant))
        await history.record(access, holders, EventKind.TAGS_CHANGED, {"added": [], "removed": [tag["name"]]})
        await outbox.emit(access, WebhookEventType.CUSTOMER_UPDATED, "Customer", holders)
        await record_audit(
            access, "tag.delete", "Tag", tag_id, before={"name": tag["name"]}, details={"customers": len(holders)}
        )
    return len(holders)
