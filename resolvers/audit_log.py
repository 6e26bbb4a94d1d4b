"""Reading the company's audit log: newest first, filtered, keyset-paginated.

Whether contact values are withheld is decided here, by the live rules (the company's setting and
the reader's grants), from what each entry recorded when written (``contact_keys``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.masking import contact_hidden
from authz.rows import visible_rows
from models.db import fetch, fetchval
from models.sql import Sql, and_
from resolvers.cursors import ListCursors
from resolvers.pagination import SortKey, after_condition, order_by, page_size

COLUMNS = (
    "a.id, a.tenant_id, a.created_at, a.actor_id, a.actor_api_key_id, a.actor_name, a.action, a.object_type, "
    "a.object_id, a.before, a.after, a.details, a.contact_keys, k.name AS actor_api_key_name"
)
FROM = "audit_entry a LEFT JOIN api_key k ON k.id = a.actor_api_key_id AND k.tenant_id = a.tenant_id"
KEYS = (SortKey("a.created_at", True, "timestamptz", "created_at"), SortKey("a.id", True, "uuid", "id"))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: UUID | None = None
    object_type: str | None = None
    object_id: UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def sql(self) -> list[Sql]:
        terms = [
            Sql("a.actor_id = %s", self.actor_id) if self.actor_id else None,
            Sql("a.object_type = %s", self.object_type) if self.object_type else None,
            Sql("a.object_id = %s", self.object_id) if self.object_id else None,
            Sql("a.action = %s", self.action) if self.action else None,
            Sql("a.created_at >= %s", self.since) if self.since else None,
            Sql("a.created_at <= %s", self.until) if self.until else None,
        ]
        return [t for t in terms if t is not None]

    def identity(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    total_count: Callable[[], Awaitable[int]]


def withheld(row: dict[str, Any], hidden: bool) -> dict[str, Any]:
    """The entry with its contact values blanked for a reader from whom contact data is hidden:
    the keys stay (what changed), the values go."""
    keys = row.get("contact_keys") or []
    if not hidden or not keys:
        return {**row, "withheld": []}
    out = dict(row)
    for side in ("before", "after", "details"):
        if isinstance(out.get(side), dict):
            out[side] = {k: (None if k in keys else v) for k, v in out[side].items()}
    return {**out, "withheld": sorted(keys)}


async def audit_log(access: Access, where: AuditFilter, *, first: int | None, after: str | None) -> AuditPage:
    access.require(P.AUDIT_READ)
    limit = page_size(first)
    cursors = ListCursors.of(access.principal, "auditLog", **where.identity())
    scope = and_(visible_rows(access, "AuditEntry", "a"), *where.sql())
    page = scope
    if after:
        page = and_(scope, after_condition(KEYS, cursors.decode(after, len(KEYS))))
    rows = await fetch(
        Sql(f"SELECT {COLUMNS} FROM {FROM} WHERE ") + page + Sql(f" ORDER BY {order_by(KEYS)} LIMIT %s", limit + 1)
    )
    hidden = contact_hidden(access)
    shown = [withheld(r, hidden) for r in rows[:limit]]

    async def total() -> int:
        return int(await fetchval(Sql("SELECT count(*) FROM audit_entry a WHERE ") + scope))

    return AuditPage(shown, cursors.encode_rows([k.field for k in KEYS], shown), len(rows) > limit, total)


async def audit_entry(access: Access, pk: UUID) -> dict[str, Any] | None:
    """One entry by id (for ``node(id)``), masked as in the list."""
    if not access.can(P.AUDIT_READ):
        return None
    rows = await fetch(
        Sql(f"SELECT {COLUMNS} FROM {FROM} WHERE a.id = %s AND ", pk) + visible_rows(access, "AuditEntry", "a")
    )
    return withheld(rows[0], contact_hidden(access)) if rows else None
