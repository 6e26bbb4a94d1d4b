"""Child rows (notes, tasks, messages...) for many parents in one statement: pages, counts, by id.

Each kind of child row is declared once, as a ``ChildKind`` (where its rows are, how each
parent's list is ordered, what the list's arguments narrow) and a ``RowsById`` (how a row is read
by its id); the functions here serve every kind from that declaration. Which rows the caller may
see is not declared here: both name their kind, and its rule in authz/rows.py filters every read.

Nested connections load through DataLoaders; a batch holds the parents of one request that ask
for the same page (same first/after/filter), and a window function cuts each parent's page.
Each parent's list has its own cursors: a cursor continues the list of the parent it came from,
and is refused (``refused``) under any other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.rows import rule_for, visible_rows
from models.db import fetch
from models.descriptors import ToMany
from models.sql import FALSE, Sql, and_
from resolvers.cursors import ANOTHER_LIST, ListCursors, open_cursor
from resolvers.errors import FieldErrorCode, ValidationFailed
from resolvers.pagination import SortKey, after_condition, keys_on, order_by, page_size


@dataclass(slots=True)
class ChildPage:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    refused: ValidationFailed | None = None  # the cursor given is of another list


@dataclass(frozen=True, slots=True)
class ChildList:
    """One parent's list as its arguments chose it: ``source`` (a table or a parenthesised
    subquery aliased ``t``) narrowed by ``where``; its cursors are bound to ``arguments``."""

    source: Sql
    where: Sql | None = None
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChildKind:
    """A kind of row listed under a parent: ``kind`` names its rule in authz/rows.py, ``parent``
    is the column naming the parent, ``keys`` the order of each parent's list, ``tag`` names its
    lists (cursors are bound to it).

    ``source`` serves a list without arguments; ``narrow`` turns a list's arguments (e.g. a task
    status) into its ``ChildList``. Rows are always kept to those the kind's rule lets the caller see.
    """

    tag: str
    kind: str
    parent: str
    keys: tuple[SortKey, ...]
    source: Sql | None = None
    narrow: Callable[..., ChildList] | None = None

    @classmethod
    def of(
        cls, relation: ToMany, source: Sql | None = None, narrow: Callable[..., ChildList] | None = None
    ) -> ChildKind:
        """The kind a descriptor's to-many relation lists: its target's rows by ``fk``, in its order
        (the table as ``t``), its lists named by its ``tag``."""
        assert relation.tag is not None and relation.through is None, relation.api
        return cls(relation.tag, relation.target, relation.fk, keys_on(relation.order, "t"), source, narrow)

    def list(self, params: tuple[Any, ...]) -> ChildList:
        if self.narrow is not None:
            return self.narrow(*params)
        assert self.source is not None and not params, self.tag
        return ChildList(self.source)


async def child_pages(
    kind: ChildKind,
    access: Access,
    parents: Sequence[UUID],
    params: tuple[Any, ...] = (),
    *,
    first: int | None,
    after: str | None,
) -> dict[UUID, ChildPage]:
    """Each parent's page of ``kind`` as ``params`` narrow it."""
    chosen = kind.list(params)
    limit = page_size(first)
    lists = ListCursors.of(access.principal, kind.tag, **chosen.arguments)
    cursors = {parent: lists.child(parent) for parent in parents}
    out: dict[UUID, ChildPage] = {}
    conditions = and_(visible_rows(access, kind.kind, "t"), chosen.where)
    if after:
        identity, values = open_cursor(after)
        if len(values) != len(kind.keys):
            raise ValidationFailed.one("after", FieldErrorCode.INVALID, "is not a valid cursor")
        refused = ValidationFailed.one("after", FieldErrorCode.INVALID, ANOTHER_LIST)
        out = {p: ChildPage([], [], False, True, refused) for p, c in cursors.items() if c.identity != identity}
        parents = [p for p in parents if p not in out]
        if not parents:
            return out
        conditions = and_(conditions, after_condition(kind.keys, values))
    conditions = and_(Sql(f"t.{kind.parent} = ANY(%s::uuid[])", list(parents)), conditions)
    order = order_by(kind.keys)
    rows = await fetch(
        Sql(
            f"SELECT * FROM (SELECT t.*, row_number() OVER (PARTITION BY t.{kind.parent} ORDER BY {order}) AS _rn FROM "
        )
        + chosen.source
        + Sql(" WHERE ")
        + conditions
        + Sql(f") t WHERE t._rn <= %s ORDER BY t.{kind.parent}, {order}", limit + 1)
    )
    grouped: dict[UUID, list[dict[str, Any]]] = {p: [] for p in parents}
    for row in rows:
        grouped[row[kind.parent]].append(row)
    fields = [k.field for k in kind.keys]
    for parent, items in grouped.items():
        out[parent] = ChildPage(
            rows=items[:limit],
            cursors=cursors[parent].encode_rows(fields, items[:limit]),
            has_next=len(items) > limit,
            has_previous=after is not None,
        )
    return out


async def child_counts(
    kind: ChildKind, access: Access, parents: Sequence[UUID], params: tuple[Any, ...] = ()
) -> dict[UUID, int]:
    """How many children each parent has in the list ``params`` choose (for totalCount, computed
    only when asked)."""
    chosen = kind.list(params)
    where = and_(visible_rows(access, kind.kind, "t"), chosen.where)
    if where is FALSE:
        return dict.fromkeys(parents, 0)
    rows = await fetch(
        Sql(f"SELECT t.{kind.parent} AS parent, count(*)::int AS n FROM ")
        + chosen.source
        + Sql(" WHERE ")
        + and_(Sql(f"t.{kind.parent} = ANY(%s::uuid[])", list(parents)), where)
        + Sql(f" GROUP BY t.{kind.parent}")
    )
    counts = dict.fromkeys(parents, 0)
    counts.update({r["parent"]: r["n"] for r in rows})
    return counts


@dataclass(frozen=True, slots=True)
class RowsById:
    """How rows of one kind are read by id: the table of ``kind``'s rule in authz/rows.py under
    ``alias``, the ``columns`` (written with that alias) its API type needs. ``name`` names its
    loader. Only rows the rule lets the caller see are answered."""

    name: str
    kind: str
    alias: str
    columns: str

    async def fetch(self, access: Access, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
        a = self.alias
        rule = rule_for(self.kind)
        where = visible_rows(access, self.kind, a)
        if rule is None or where is FALSE:
            return {}
        rows = await fetch(
            Sql(f"SELECT {self.columns} FROM {rule.table} {a} WHERE {a}.id = ANY(%s::uuid[]) AND ", ids) + where
        )
        return {r["id"]: r for r in rows}
