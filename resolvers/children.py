"""Pages of child rows (notes, tasks, messages...) for many parents in one statement.

Nested connections load through DataLoaders; a batch holds the parents of one request that ask
for the same page (same first/after/filter), and a window function cuts each parent's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from models.db import fetch
from models.sql import Sql, and_
from resolvers.pagination import SortKey, after_condition, cursor_for, decode_cursor, order_by, page_size


@dataclass(slots=True)
class ChildPage:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool


@dataclass(frozen=True, slots=True)
class ChildQuery:
    """``source`` is a table or a parenthesised subquery aliased ``t``, with a ``parent`` column."""

    source: Sql
    parent: str
    keys: tuple[SortKey, ...]
    tag: str


async def child_pages(
    query: ChildQuery,
    parents: Sequence[UUID],
    *,
    where: Sql | None,
    first: int | None,
    after: str | None,
) -> dict[UUID, ChildPage]:
    limit = page_size(first)
    conditions = and_(Sql(f"t.{query.parent} = ANY(%s::uuid[])", list(parents)), where)
    if after:
        conditions = and_(conditions, after_condition(query.keys, decode_cursor(after, query.tag, len(query.keys))))
    rows = await fetch(
        Sql(
            f"SELECT * FROM (SELECT t.*, row_number() OVER (PARTITION BY t.{query.parent} ORDER BY {order_by(query.keys)}) AS _rn FROM "
        )
        + query.source
        + Sql(" WHERE ")
        + conditions
        + Sql(f") t WHERE t._rn <= %s ORDER BY t.{query.parent}, {order_by(query.keys)}", limit + 1)
    )
    grouped: dict[UUID, list[dict[str, Any]]] = {p: [] for p in parents}
    for row in rows:
        grouped[row[query.parent]].append(row)
    return {
        parent: ChildPage(
            rows=items[:limit],
            cursors=[cursor_for(query.tag, query.keys, r) for r in items[:limit]],
            has_next=len(items) > limit,
            has_previous=after is not None,
        )
        for parent, items in grouped.items()
    }


async def child_counts(query: ChildQuery, parents: Sequence[UUID], *, where: Sql | None) -> dict[UUID, int]:
    """How many children each parent has (for totalCount, computed only when asked)."""
    rows = await fetch(
        Sql(f"SELECT t.{query.parent} AS parent, count(*)::int AS n FROM ")
        + query.source
        + Sql(" WHERE ")
        + and_(Sql(f"t.{query.parent} = ANY(%s::uuid[])", list(parents)), where)
        + Sql(f" GROUP BY t.{query.parent}")
    )
    counts = dict.fromkeys(parents, 0)
    counts.update({r["parent"]: r["n"] for r in rows})
    return counts
