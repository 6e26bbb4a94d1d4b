"""Applying a batch's updates set-based: a few statements per batch, whatever its size.

The rules are updateCustomer's (``changes_to_write``, ``columns_written``, ``keys_of``,
``history.diff``, ``update_kind``); only the writes are batched. The customers were locked when the
batch was decided. The unique contact keys decide races: a row whose new key another writer took
meanwhile is left as it was and becomes a CONFLICT, exactly as a lone update would fail.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from authz.masking import CONTACT_COLUMNS
from models import RowAction
from models.db import execute, fetch
from models.sql import Sql
from resolvers import contact_keys, history
from resolvers import tags as tag_ops
from resolvers.contact_keys import Key
from resolvers.customer_reads import COLUMNS
from resolvers.customers import TRACKED, changes_to_write, columns_written, emit_changes, update_kind
from resolvers.history import EventKind, _plain, to_json
from resolvers.imports.decide import Decision, ImportContext, conflict

# What a revert puts back: every column an import may write.
RESTORED = [*TRACKED, "email_normalized", "phone_e164", "whatsapp_e164", "search_text"]


def source(ctx: ImportContext) -> dict[str, Any]:
    """What a history entry carries to say the change came from this import."""
    return {"import": {"number": ctx.number, "id": str(ctx.import_id)}}


async def _claim_keys(ctx: ImportContext, wanted: dict[UUID, list[Key]]) -> set[UUID]:
    """Give each customer exactly the keys ``wanted`` (its new contact values); answer the customers
    that lost a key to another customer, whose keys are left as they were."""
    ids = list(wanted)
    held = {
        (r["customer_id"], Key(r["kind"], r["value"]))
        for r in await fetch(
            Sql(
                "SELECT customer_id, kind, value FROM customer_contact_key "
                "WHERE tenant_id = %s AND customer_id = ANY(%s::uuid[])",
                ctx.tenant_id,
                ids,
            )
        )
    }
    new = [(c, k) for c, keys in wanted.items() for k in keys if (c, k) not in held]
    exclusive = not ctx.access.principal.settings.allow_duplicates
    inserted = await contact_keys.insert_keys(ctx.tenant_id, new, exclusive=exclusive)
    lost = {c for c, k in new if (c, k) not in inserted} if exclusive else set()
    undo = [(c, k) for c, k in inserted if c in lost]
    keep = [(c, k) for c, keys in wanted.items() if c not in lost for k in keys]
    await execute(
        Sql(
            "DELETE FROM customer_contact_key WHERE tenant_id = %s AND ("
            "  (customer_id = ANY(%s::uuid[]) AND (customer_id, kind, value) NOT IN "
            "    (SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[])))"
            "  OR (customer_id, kind, value) IN (SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[])))",
            ctx.tenant_id,
            [c for c in ids if c not in lost],
            [c for c, _ in keep],
            [k.kind for _, k in keep],
            [k.value for _, k in keep],
            [c for c, _ in undo],
            [k.kind for _, k in undo],
            [k.value for _, k in undo],
        )
    )
    return lost


async def _write_rows(ctx: ImportContext, written: dict[UUID, dict[str, Any]]) -> dict[UUID, dict[str, Any]]:
    """One UPDATE for every row: each sets only its own columns (the others keep their values)."""
    columns = sorted({c for cols in written.values() for c in cols})
    records = []
    for customer_id, cols in written.items():
        plain = {c: _plain(v) for c, v in cols.items()}
        if "custom_fields" in plain:
            plain["custom_fields"] = json.loads(plain["custom_fields"])
        records.append({**plain, "id": str(customer_id)})
    sets = "".join(f"{c} = CASE WHEN r.given ? '{c}' THEN r.{c} ELSE c.{c} END, " for c in columns)
    rows = await fetch(
        Sql(
            f"UPDATE customer c SET {sets}version = c.version + 1, updated_at = now() "
            "FROM (SELECT e.given, p.* FROM jsonb_array_elements(%s::jsonb) AS e(given) "
            "CROSS JOIN LATERAL jsonb_populate_record(NULL::customer, e.given) AS p) r "
            f"WHERE c.tenant_id = %s AND c.id = r.id RETURNING {', '.join(f'c.{col}' for col in COLUMNS)}",
            json.dumps(records, default=str, ensure_ascii=False),
            ctx.tenant_id,
        )
    )
    return {r["id"]: r for r in rows}


async def _attach_tags(ctx: ImportContext, pairs: list[tuple[UUID, str]]) -> dict[UUID, list[str]]:
    """Attach tags (created when missing); answer the names newly attached per customer."""
    if not pairs:
        return {}
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
    rows = await fetch(
        Sql(
            "WITH linked AS (INSERT INTO customer_tag (tenant_id, customer_id, tag_id) "
            "SELECT %s, p.customer_id, t.id FROM unnest(%s::uuid[], %s::text[]) AS p(customer_id, key) "
            "JOIN tag t ON t.tenant_id = %s AND t.name_key = p.key "
            "ON CONFLICT (tenant_id, customer_id, tag_id) DO NOTHING RETURNING customer_id, tag_id) "
            "SELECT linked.customer_id, t.name FROM linked JOIN tag t ON t.id = linked.tag_id ORDER BY t.name_key",
            ctx.tenant_id,
            [c for c, _ in pairs],
            [tag_ops.tag_key(n) for _, n in pairs],
            ctx.tenant_id,
        )
    )
    added: dict[UUID, list[str]] = {}
    for r in rows:
        added.setdefault(r["customer_id"], []).append(r["name"])
    return added


async def _record(ctx: ImportContext, events: list[tuple[UUID, EventKind, dict[str, Any]]]) -> None:
    """The history entries, in one statement, each saying it came from this import."""
    if not events:
        return
    types = {f.key: f.type.value for f in ctx.fields}
    data = []
    for _, _, entry in events:
        keys = history._custom_keys(entry)
        if keys:
            entry = {**entry, history.CUSTOM_TYPES: {k: types[k] for k in keys if k in types}}
        data.append(to_json({**entry, **source(ctx)}))
    p = ctx.access.principal
    await execute(
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, actor_id, actor_api_key_id, actor_name, data) "
            "SELECT %s, e.customer_id, e.kind, %s, %s, %s, e.data::jsonb "
            "FROM unnest(%s::uuid[], %s::text[], %s::text[]) WITH ORDINALITY AS e(customer_id, kind, data, n) "
            "ORDER BY e.n",
            p.tenant_id,
            p.user_id,
            p.api_key_id,
            p.name,
            [c for c, _, _ in events],
            [k.value for _, k, _ in events],
            data,
        )
    )


async def apply_updates(ctx: ImportContext, updates: list[Decision]) -> None:
    """Write the batch's UPDATE rows (inside the caller's transaction)."""
    written: dict[UUID, dict[str, Any]] = {}
    wanted: dict[UUID, list[Key]] = {}
    for d in updates:
        assert d.current is not None and d.changes is not None and d.cleaned is not None
        current = d.current
        changes = changes_to_write(ctx.access, current, d.changes, d.cleaned.custom, ctx.fields)
        written[current["id"]] = columns_written(current, changes)
        if set(CONTACT_COLUMNS) & changes.keys():  # the contact keys follow the contact columns
            wanted[current["id"]] = list(contact_keys.keys_of({**current, **written[current["id"]]}))
    lost = await _claim_keys(ctx, wanted) if wanted else set()
    for d in updates:
        if d.customer_id in lost:
            held: dict[Key, set[UUID]] = {}
            for match in await contact_keys.find_holders(ctx.tenant_id, list(d.keys), exclude=[d.customer_id]):
                for key in match.keys:
                    held.setdefault(key, set()).add(match.customer_id)
            await conflict(ctx, d, held)
    kept = [d for d in updates if d.action is RowAction.UPDATE]
    rows = await _write_rows(ctx, {c: cols for c, cols in written.items() if c not in lost}) if kept else {}
    added = await _attach_tags(ctx, [(d.customer_id, n) for d in kept if d.customer_id for n in d.tags])
    events: list[tuple[UUID, EventKind, dict[str, Any]]] = []
    announced: dict[UUID, set[str]] = {}  # customer -> what changed, for the webhooks
    for d in kept:
        assert d.current is not None and d.customer_id is not None
        row = rows[d.customer_id]
        changed = history.diff(d.current, row, TRACKED)
        if changed:
            events.append((d.customer_id, update_kind(changed), {"changes": changed}))
            announced.setdefault(d.customer_id, set()).update(changed)
        tags = added.get(d.customer_id, [])
        if tags:
            events.append((d.customer_id, EventKind.TAGS_CHANGED, {"added": tags, "removed": []}))
            announced.setdefault(d.customer_id, set()).add("tags")
        d.before = {c: _plain(d.current.get(c)) for c in RESTORED} | {"tags_added": tags}
        d.version_after = row["version"]
    await _record(ctx, events)
    await emit_changes(ctx.access, announced)
