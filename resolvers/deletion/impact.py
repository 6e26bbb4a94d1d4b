"""What deleting customers would remove, counted per customer and table in one statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from models.db import fetch
from models.sql import Sql, join
from resolvers.deletion.catalogue import Catalogue

# The API's names for the tables it counts by name; every table is also listed in ``records``.
NAMED = {
    "note": "notes",
    "task": "tasks",
    "conversation": "conversations",
    "message": "messages",
    "appointment": "appointments",
    "purchase": "purchases",
    "contract": "contracts",
    "customer_event": "history_entries",
    "customer_team": "team_links",
    "customer_tag": "tags",
}


@dataclass
class Counts:
    records: dict[str, int] = field(default_factory=dict)  # table -> rows
    portfolio_links: int = 0

    def add(self, other: Counts) -> None:
        for table, n in other.records.items():
            self.records[table] = self.records.get(table, 0) + n
        self.portfolio_links += other.portfolio_links


@dataclass
class Impact:
    per_customer: dict[UUID, Counts]
    total: Counts
    # Live customers outside the set that name one of the set as billing parent, per parent.
    billing_children: dict[UUID, list[UUID]]


async def owners(tenant_id: UUID, ids: list[UUID]) -> dict[UUID, UUID]:
    """The customers ``ids`` and those merged into them, each with the one of ``ids`` it belongs to."""
    rows = await fetch(
        Sql(
            "SELECT m.id, coalesce(m.merged_into_id, m.id) AS owner FROM customer m WHERE m.tenant_id = %s "
            "AND (m.id = ANY(%s::uuid[]) OR m.merged_into_id = ANY(%s::uuid[]))",
            tenant_id,
            ids,
            ids,
        )
    )
    return {r["id"]: r["owner"] for r in rows}


async def measure(catalogue: Catalogue, tenant_id: UUID, ids: list[UUID]) -> Impact:
    """Two statements: who belongs to whom, then every count (each table probed by its customer column)."""
    owner_of = await owners(tenant_id, ids)
    every = list(owner_of)
    parts = [
        Sql(
            "SELECT 'portfolio' AS tbl, c.id AS owner, (c.owner_id IS NOT NULL)::int AS n, NULL::uuid[] AS ids "
            "FROM customer c WHERE c.tenant_id = %s AND c.id = ANY(%s::uuid[])",
            tenant_id,
            ids,
        ),
        Sql(
            "SELECT 'billing_children', b.billing_parent_id, count(*)::int, array_agg(b.id ORDER BY b.id) "
            "FROM customer b WHERE b.tenant_id = %s AND b.billing_parent_id = ANY(%s::uuid[]) "
            "AND NOT (b.id = ANY(%s::uuid[])) AND b.deleted_at IS NULL AND b.merged_into_id IS NULL "
            "GROUP BY b.billing_parent_id",
            tenant_id,
            ids,
            ids,
        ),
    ]
    for link in catalogue.links:
        parts.append(
            Sql(
                f"SELECT %s, x.{link.column}, count(*)::int, NULL::uuid[] FROM {link.table} x "
                f"WHERE x.tenant_id = %s AND x.{link.column} = ANY(%s::uuid[]) GROUP BY x.{link.column}",
                link.table,
                tenant_id,
                every,
            )
        )
        for child in link.children:
            parts.append(
                Sql(
                    f"SELECT %s, x.{link.column}, count(*)::int, NULL::uuid[] FROM {child.table} y "
                    f"JOIN {link.table} x ON x.id = y.{child.column} "
                    f"WHERE x.tenant_id = %s AND x.{link.column} = ANY(%s::uuid[]) GROUP BY x.{link.column}",
                    child.table,
                    tenant_id,
                    every,
                )
            )
    rows = await fetch(join(" UNION ALL ", parts))
    per: dict[UUID, Counts] = {pk: Counts() for pk in ids}
    children: dict[UUID, list[UUID]] = {}
    for r in rows:
        if r["tbl"] == "billing_children":
            children[r["owner"]] = list(r["ids"])
            continue
        counts = per.setdefault(owner_of.get(r["owner"], r["owner"]), Counts())
        if r["tbl"] == "portfolio":
            counts.portfolio_links += r["n"]
        else:
            counts.records[r["tbl"]] = counts.records.get(r["tbl"], 0) + r["n"]
    total = Counts()
    for counts in per.values():
        for link in catalogue.links:  # every table appears, with 0 when nothing would go
            counts.records.setdefault(link.table, 0)
            for child in link.children:
                counts.records.setdefault(child.table, 0)
        total.add(counts)
    return Impact(per, total, children)
