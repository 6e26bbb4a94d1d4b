"""The purge: once ``purge_after`` passes, every row that belonged to a deleted customer goes.

Which tables hold such rows is read from the catalogue (``catalogue.py``): rows naming the customer
(or a customer merged into it), then rows naming those (messages of its conversations), then the
customer rows themselves. JSON values elsewhere that name it are scrubbed (``scrub.py``); audit
entries about its rows keep who did what and when, without the values. Each batch is one
transaction, so a worker that dies mid-way leaves nothing half-purged and the next run resumes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.policy_store import current_policy
from authz.principal import Principal
from models import Role
from models.db import execute, fetch, fetchval, in_transaction
from models.sql import Sql
from resolvers import clock
from resolvers.deletion.audit import audit_each
from resolvers.deletion.catalogue import Catalogue, Link, read_catalogue
from resolvers.deletion.scrub import scrub_row
from resolvers.jobs import job

BATCH = 200


def _deletion_order(catalogue: Catalogue) -> list[Link]:
    """Tables naming another customer table's rows go before it (a foreign key may not cascade)."""
    referencing = {child.table for link in catalogue.links for child in link.children}
    return sorted(catalogue.links, key=lambda link: (link.table not in referencing, link.table))


async def _system(tenant_id: UUID) -> Access:
    slug = await fetchval(Sql("SELECT slug FROM tenant WHERE id = %s", tenant_id))
    return Access(Principal(tenant_id, slug or "", Role.ADMIN, None, name="purge (system)"), current_policy())


async def _delete_rows(catalogue: Catalogue, tenant_id: UUID, ids: list[UUID]) -> list[UUID]:
    """Delete every row naming ``ids`` (children first); answer the ids of the rows deleted."""
    gone: list[UUID] = []
    links = _deletion_order(catalogue)
    for link in links:
        for child in link.children:
            rows = await fetch(
                Sql(
                    f"DELETE FROM {child.table} y USING {link.table} x WHERE x.id = y.{child.column} "
                    f"AND x.tenant_id = %s AND x.{link.column} = ANY(%s::uuid[]) RETURNING y.id",
                    tenant_id,
                    ids,
                )
            )
            gone += [r["id"] for r in rows]
    for link in links:
        rows = await fetch(
            Sql(
                f"DELETE FROM {link.table} x WHERE x.tenant_id = %s AND x.{link.column} = ANY(%s::uuid[]) RETURNING x.id",
                tenant_id,
                ids,
            )
        )
        gone += [r["id"] for r in rows]
    return gone


async def _scrub_json(catalogue: Catalogue, tenant_id: UUID, ids: list[UUID]) -> None:
    """Scrub every row whose JSON columns name ``ids``; a row's columns are scrubbed together."""
    named = frozenset(str(pk) for pk in ids)
    patterns = [f"%{pk}%" for pk in sorted(named)]
    by_table: dict[str, list[str]] = {}
    for table, column in catalogue.json_columns:
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        texts = ", ".join(f"x.{c}::text AS {c}" for c in columns)
        naming = " OR ".join(f"x.{c}::text LIKE ANY(%s::text[])" for c in columns)
        rows = await fetch(
            Sql(
                f"SELECT x.id, {texts} FROM {table} x WHERE x.tenant_id = %s AND ({naming})",
                tenant_id,
                *[patterns] * len(columns),
            )
        )
        if not rows:
            continue
        scrubbed = [scrub_row([None if r[c] is None else json.loads(r[c]) for c in columns], named) for r in rows]
        sets = ", ".join(f"{c} = v.{c}::jsonb" for c in columns)
        arrays = ", ".join(["%s::text[]"] * len(columns))
        await execute(
            Sql(
                f"UPDATE {table} x SET {sets} FROM unnest(%s::uuid[], {arrays}) AS v(id, {', '.join(columns)}) "
                "WHERE x.id = v.id AND x.tenant_id = %s",
                [r["id"] for r in rows],
                *[[None if doc[i] is None else json.dumps(doc[i]) for doc in scrubbed] for i in range(len(columns))],
                tenant_id,
            )
        )


async def purge_customers(catalogue: Catalogue, access: Access, ids: list[UUID]) -> None:
    """Remove the deleted customers ``ids`` (and those merged into them) and all that was theirs."""
    tenant_id = access.principal.tenant_id
    tombstones = await fetch(
        Sql("SELECT id FROM customer WHERE tenant_id = %s AND merged_into_id = ANY(%s::uuid[])", tenant_id, ids)
    )
    every = ids + [r["id"] for r in tombstones]
    # An import's uploaded file may hold the customer's row as typed: once the import is over (its
    # file is read only while it plans and runs), the file of one that touched them goes too.
    await execute(
        Sql(
            "DELETE FROM import_chunk f USING customer_import i WHERE f.customer_import_id = i.id "
            "AND f.tenant_id = i.tenant_id AND i.tenant_id = %s AND i.status IN ('finished', 'reverted') "
            "AND EXISTS (SELECT 1 FROM import_row r WHERE r.tenant_id = i.tenant_id "
            "AND r.customer_import_id = i.id AND r.customer_id = ANY(%s::uuid[]))",
            tenant_id,
            every,
        )
    )
    gone = await _delete_rows(catalogue, tenant_id, every)
    # Requests naming them (dead ones: a confirmed request is removed at once).
    await execute(
        Sql(
            "DELETE FROM customer_deletion_request WHERE tenant_id = %s AND customer_ids ?| %s::text[]",
            tenant_id,
            [str(pk) for pk in every],
        )
    )
    # The audit log keeps who did what to these rows and when, not the values.
    await execute(
        Sql(
            "UPDATE audit_entry SET before = NULL, after = NULL WHERE tenant_id = %s AND object_id = ANY(%s::uuid[]) "
            "AND (before IS NOT NULL OR after IS NOT NULL)",
            tenant_id,
            gone + every,
        )
    )
    await execute(Sql("DELETE FROM customer WHERE tenant_id = %s AND merged_into_id = ANY(%s::uuid[])", tenant_id, ids))
    await execute(Sql("DELETE FROM customer WHERE tenant_id = %s AND id = ANY(%s::uuid[])", tenant_id, ids))
    await _scrub_json(catalogue, tenant_id, every)
    await audit_each(access, "customer.purge", ids, {"rows": len(gone)})


async def purge_due(tenant_id: UUID, now: datetime | None = None) -> int:
    """Purge the tenant's deleted customers whose time has come; answer how many."""
    moment = now or clock.now()
    catalogue = await read_catalogue()
    access = await _system(tenant_id)
    purged = 0
    while True:
        async with in_transaction():
            rows = await fetch(
                Sql(
                    "SELECT id FROM customer WHERE tenant_id = %s AND deleted_at IS NOT NULL AND purge_after <= %s "
                    "AND merged_into_id IS NULL ORDER BY purge_after, id LIMIT %s FOR UPDATE SKIP LOCKED",
                    tenant_id,
                    moment,
                    BATCH,
                )
            )
            if not rows:
                return purged
            await purge_customers(catalogue, access, [r["id"] for r in rows])
        purged += len(rows)


@job("customer.purge", retry_after=timedelta(minutes=2), retries=3)
async def purge_job(payload: dict[str, Any]) -> None:
    await purge_due(UUID(payload["tenant_id"]))
