"""Writing one decided batch set-based (a few statements per batch, whatever its size): new
customers here, updates in ``updates``. The unique contact keys decide races: a new customer whose
key another writer took meanwhile is taken back and its row becomes a CONFLICT, never a duplicate
customer."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from models import RowAction
from models.db import execute, fetch
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import contact_keys, history, outbox
from resolvers import tags as tag_ops
from resolvers.customer_reads import RETURNING
from resolvers.customers import TRACKED
from resolvers.history import EventKind, _plain, to_json
from resolvers.imports.decide import Decision, ImportContext, conflict
from resolvers.imports.updates import apply_updates, source


async def _insert_customers(creates: list[Decision]) -> list[dict[str, Any]]:
    columns = sorted({c for d in creates for c in d.values or {}})
    records = []
    for d in creates:
        values = dict(d.values or {})
        values["custom_fields"] = json.loads(values["custom_fields"])
        records.append({c: values.get(c) for c in columns})
    listed = ", ".join(columns)
    return await fetch(
        Sql(
            f"INSERT INTO customer ({listed}) SELECT {listed} FROM jsonb_populate_recordset(NULL::customer, %s::jsonb) "
            f"RETURNING {RETURNING}",
            # What JSON cannot hold (ids) is made plain by the encoder, value by value as it meets them.
            json.dumps(records, default=_plain, ensure_ascii=False),
        )
    )


async def _claim_keys(ctx: ImportContext, rows: list[dict[str, Any]]) -> set[UUID]:
    """Insert the new customers' keys; answer the customers that lost one to another writer."""
    wanted = [(r["id"], k) for r in rows for k in contact_keys.keys_of(r)]
    exclusive = not ctx.access.principal.settings.allow_duplicates
    got = await contact_keys.insert_keys(ctx.tenant_id, wanted, exclusive=exclusive)
    return {c for c, k in wanted if (c, k) not in got} if exclusive else set()


async def _attach_tags(ctx: ImportContext, pairs: list[tuple[UUID, str]]) -> None:
    if not pairs:
        return
    names = list({tag_ops.tag_key(n): n for _, n in pairs}.values())
    await execute(
        Sql(
            "INSERT INTO tag (tenant_id, name, name_key) SELECT %s, n.name, n.key "
            "FROM unnest(%s::text[], %s::text[]) AS n(name, key) ON CONFLICT (tenant_id, name_key) DO NOTHING",
            ctx.tenant_id,
            names,
            [tag_ops.tag_key(n) for n in names],
        )
    )
    await execute(
        Sql(
            "INSERT INTO customer_tag (tenant_id, customer_id, tag_id) SELECT %s, p.customer_id, t.id "
            "FROM unnest(%s::uuid[], %s::text[]) AS p(customer_id, key) "
            "JOIN tag t ON t.tenant_id = %s AND t.name_key = p.key "
            "ON CONFLICT (tenant_id, customer_id, tag_id) DO NOTHING",
            ctx.tenant_id,
            [c for c, _ in pairs],
            [tag_ops.tag_key(n) for _, n in pairs],
            ctx.tenant_id,
        )
    )


async def _record_created(ctx: ImportContext, rows: list[dict[str, Any]], tags: dict[UUID, list[str]]) -> None:
    types = {f.key: f.type.value for f in ctx.fields}
    data = []
    for row in rows:
        # history.diff({}, row, TRACKED), without comparing against the empty "before" (to_json
        # makes the values plain).
        fields = {c: [None, v] for c in TRACKED if (v := row.get(c)) is not None}
        entry: dict[str, Any] = {"fields": fields, "tags": tags.get(row["id"], [])}
        custom = row["custom_fields"] or {}
        if custom:
            entry[history.CUSTOM_TYPES] = {k: types[k] for k in custom if k in types}
        data.append(to_json({**entry, **source(ctx)}))
    p = ctx.access.principal
    await execute(
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, actor_id, actor_api_key_id, actor_name, data) "
            "SELECT %s, e.customer_id, %s, %s, %s, %s, e.data::jsonb FROM unnest(%s::uuid[], %s::text[]) "
            "AS e(customer_id, data)",
            p.tenant_id,
            EventKind.CREATED.value,
            p.user_id,
            p.api_key_id,
            p.name,
            [r["id"] for r in rows],
            data,
        )
    )


async def _create(ctx: ImportContext, creates: list[Decision]) -> None:
    rows = await _insert_customers(creates)
    by_id = {r["id"]: r for r in rows}
    lost = await _claim_keys(ctx, rows)
    if lost:
        # Another writer took a key since the batch was decided: take these back, report them.
        await execute(
            Sql("DELETE FROM customer WHERE tenant_id = %s AND id = ANY(%s::uuid[])", ctx.tenant_id, list(lost))
        )
    kept = []
    for d in creates:
        customer_id = (d.values or {})["id"]
        if customer_id in lost:
            held: dict[Any, set[UUID]] = {}
            for match in await contact_keys.find_holders(ctx.tenant_id, list(d.keys)):
                for key in match.keys:
                    held.setdefault(key, set()).add(match.customer_id)
            await conflict(ctx, d, held)
        else:
            d.customer_id = customer_id
            kept.append(by_id[customer_id])
    tags = {(d.values or {})["id"]: d.tags for d in creates if d.action is RowAction.CREATE and d.tags}
    await _attach_tags(ctx, [(c, n) for c, names in tags.items() for n in names])
    await _record_created(ctx, kept, tags)
    await outbox.emit(ctx.access, WebhookEventType.CUSTOMER_CREATED, "Customer", [r["id"] for r in kept])


async def write_batch(ctx: ImportContext, decisions: list[Decision]) -> None:
    """Apply a decided batch inside the caller's transaction."""
    creates = [d for d in decisions if d.action is RowAction.CREATE]
    if creates:
        await _create(ctx, creates)
    updates = [d for d in decisions if d.action is RowAction.UPDATE]
    if updates:
        await apply_updates(ctx, updates)
