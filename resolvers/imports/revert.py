"""Reverting an import, in batches like the run (each batch marks its rows as no longer applied,
so a revert killed half-way goes on where it stopped).

A customer the import created is deleted unless it has gained notes, tasks, appointments,
conversations or purchases since (or was merged); one it updated gets its previous values back
unless it was edited since (its version moved on). Whatever is kept is listed in the report."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from models import ImportStatus, RowAction
from models.db import execute, fetch, fetchrow, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import contact_keys, history, outbox
from resolvers import tags as tag_ops
from resolvers.customer_reads import SELECT
from resolvers.customers import TRACKED, emit_changes, write_row
from resolvers.history import EventKind
from resolvers.imports.decide import ImportContext
from resolvers.imports.runner import BATCH_ROWS, context_for, load, set_status
from resolvers.imports.updates import RESTORED, source

_ACTIVITY = " OR ".join(
    f"EXISTS (SELECT 1 FROM {table} x WHERE x.tenant_id = c.tenant_id AND x.customer_id = c.id)"
    for table in ("note", "task", "appointment", "conversation", "purchase")
)
_UUID_COLUMNS = frozenset({"owner_id", "billing_parent_id"})


def _kept(row: dict[str, Any], reason: str) -> dict[str, Any]:
    return {"rowNumber": row["row_number"], "customerId": str(row["customer_id"]), "reason": reason}


async def _undo_creations(ctx: ImportContext, rows: list[dict[str, Any]], report: dict[str, Any]) -> None:
    ids = [r["customer_id"] for r in rows]
    if not ids:
        return
    found = await fetch(
        Sql(
            f"SELECT c.id, c.merged_into_id IS NOT NULL AS merged, ({_ACTIVITY}) AS active FROM customer c "
            "WHERE c.tenant_id = %s AND c.id = ANY(%s::uuid[]) FOR UPDATE OF c",
            ctx.tenant_id,
            ids,
        )
    )
    state = {r["id"]: r for r in found}
    doomed = []
    for row in rows:
        now = state.get(row["customer_id"])
        if now is None:
            continue  # deleted or merged away since: nothing left to undo
        if now["merged"]:
            report["kept"].append(_kept(row, "MERGED"))
        elif now["active"]:
            report["kept"].append(_kept(row, "HAS_ACTIVITY"))
        else:
            doomed.append(row["customer_id"])
    if doomed:
        # Merges that took one of them as primary go with it (their tombstones come back to life
        # only through an undo, which needs the primary: there is none left).
        await execute(Sql("DELETE FROM customer WHERE tenant_id = %s AND id = ANY(%s::uuid[])", ctx.tenant_id, doomed))
        await outbox.emit(ctx.access, WebhookEventType.CUSTOMER_DELETED, "Customer", doomed)
    report["deleted"] += len(doomed)


def _restored(before: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in RESTORED:
        value = before.get(column)
        if column == "custom_fields":
            value = json.dumps(value or {})
        elif column in _UUID_COLUMNS and value is not None:
            value = UUID(value)
        out[column] = value
    return out


async def _undo_update(ctx: ImportContext, row: dict[str, Any], report: dict[str, Any]) -> None:
    current = await fetchrow(
        Sql(f"SELECT {SELECT}, c.merged_into_id FROM customer c WHERE c.id = %s AND c.tenant_id = %s FOR UPDATE", row["customer_id"],
            ctx.tenant_id)
    )  # fmt: skip
    if current is None or current["merged_into_id"] is not None:
        report["kept"].append(_kept(row, "GONE"))
        return
    if current["version"] != row["version_after"]:
        report["kept"].append(_kept(row, "EDITED_SINCE"))
        return
    before = row["before"] or {}
    try:
        async with in_transaction():  # a savepoint: a contact another customer took since keeps this one
            restored = await write_row(ctx.tenant_id, current, _restored(before))
            lost = await contact_keys.claim(
                ctx.tenant_id,
                current["id"],
                restored,
                exclusive=not ctx.access.principal.settings.allow_duplicates,
            )
            if lost:
                raise _ContactTaken
            removed = await tag_ops.detach(ctx.tenant_id, current["id"], before.get("tags_added") or [])
            data: dict[str, Any] = {"changes": history.diff(current, restored, list(TRACKED)), **source(ctx)}
            if removed:
                data["tags_removed"] = removed
            await history.record(ctx.access, current["id"], EventKind.IMPORT_REVERTED, data)
            await emit_changes(ctx.access, {current["id"]: set(data["changes"]) | ({"tags"} if removed else set())})
    except _ContactTaken:
        report["kept"].append(_kept(row, "CONTACT_TAKEN"))
        return
    report["restored"] += 1


class _ContactTaken(Exception):
    pass


async def run_revert(tenant_id: UUID, import_id: UUID) -> None:
    row = await load(tenant_id, import_id)
    if row is None or row["status"] != ImportStatus.REVERTING.value:
        return
    ctx = await context_for(row)
    while True:
        async with in_transaction():
            locked = await load(tenant_id, import_id, lock=True)
            if locked is None or locked["status"] != ImportStatus.REVERTING.value:
                return
            rows = await fetch(
                Sql(
                    "SELECT row_number, action, customer_id, before, version_after FROM import_row "
                    "WHERE tenant_id = %s AND customer_import_id = %s AND applied AND customer_id IS NOT NULL "
                    "AND action = ANY(%s::text[]) ORDER BY row_number LIMIT %s",
                    tenant_id,
                    import_id,
                    [RowAction.CREATE.value, RowAction.UPDATE.value],
                    BATCH_ROWS,
                )
            )
            if not rows:
                break
            report: dict[str, Any] = {"deleted": 0, "restored": 0, "kept": []}
            await _undo_creations(ctx, [r for r in rows if r["action"] == RowAction.CREATE.value], report)
            for r in rows:
                if r["action"] == RowAction.UPDATE.value:
                    await _undo_update(ctx, r, report)
            await execute(
                Sql(
                    "UPDATE import_row SET applied = false WHERE tenant_id = %s AND customer_import_id = %s "
                    "AND row_number = ANY(%s::int[])",
                    tenant_id,
                    import_id,
                    [r["row_number"] for r in rows],
                )
            )
            await execute(
                Sql(
                    "UPDATE customer_import SET revert_report = jsonb_build_object("
                    "'deleted', coalesce((revert_report->>'deleted')::int, 0) + %s, "
                    "'restored', coalesce((revert_report->>'restored')::int, 0) + %s, "
                    "'kept', coalesce(revert_report->'kept', '[]'::jsonb) || %s::jsonb) "
                    "WHERE id = %s AND tenant_id = %s",
                    report["deleted"],
                    report["restored"],
                    json.dumps(report["kept"]),
                    import_id,
                    tenant_id,
                )
            )
    await set_status(tenant_id, import_id, ImportStatus.REVERTED, ", reverted_at = now()")
