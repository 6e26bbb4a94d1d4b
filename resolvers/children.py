"""Pages of child rows (notes, tasks, messages...) for many parents in one statement.

Nested connections load through DataLoaders; a batch holds the parents of one request that ask
for the same page (same first/after/filter), and a window function cuts each parent's page.
Each parent's list has its own cursors: a cursor continues the list of the parent it came from,
and is refused (``refused``) under any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from authz.principal import Principal
from models.db import fetch
from models.sql import Sql, and_
from resolvers.cursors import ANOTHER_LIST, ListCursors, open_cursor
from resolvers.errors import FieldErrorCode, ValidationFailed
from resolvers.pagination import SortKey, after_condition, order_by, page_size


@dataclass(slots=True)
class ChildPage:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    refused: ValidationFailed | None = None  # the cursor given is of another list


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
    caller: Principal,
    arguments: dict[str, Any] | None = None,
    with_cursors: bool = True,
) -> dict[UUID, ChildPage]:
    """``with_cursors=False`` for a plain list of the first page (no edges, no cursors to seal)."""
    limit = page_size(first)
    lists = ListCursors.of(caller, query.tag, **(arguments or {}))
    cursors = {parent: lists.child(parent) for parent in parents}
    out: dict[UUID, ChildPage] = {}
    conditions = where
    if after:
        identity, values = open_cursor(after)
        if len(values) != len(query.keys):
            raise ValidationFailed.one("after", FieldErrorCode.INVALID, "is not a valid cursor")
        refused = ValidationFailed.one("after", FieldErrorCode.INVALID, ANOTHER_LIST)
        out = {p: ChildPage([], [], False, True, refused) for p, c in cursors.items() if c.identity != identity}
        parents = [p for p in parents if p not in out]
        if not parents:
            return out
        conditions = and_(conditions, after_condition(query.keys, values))
    conditions = and_(Sql(f"t.{query.parent} = ANY(%s::uuid[])", list(parents)), conditions)
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
    fields = [k.field for k in query.keys]
    for parent, items in grouped.items():
        out[parent] = ChildPage(
            rows=items[:limit],
            cursors=cursors[parent].encode_rows(fields, items[:limit]) if with_cursors else [],
            has_next=len(items) > limit,
            has_previous=after is not None,
        )
    return out


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
