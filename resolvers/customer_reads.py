"""Reading customers: the one path every customer read goes through.

Every read filters the tenant, the caller's scope and live rows (not merged away) in SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.masking import contact_hidden
from authz.rows import visible_rows
from models.customers import CUSTOMER
from models.db import fetch, fetchrow, fetchval
from models.descriptors import SortBy
from models.sql import Sql, and_, join
from resolvers.cursors import ListCursors
from resolvers.customer_filters import compile_filter
from resolvers.errors import FieldErrorCode, ValidationFailed
from resolvers.pagination import SortKey, after_condition, order_sql, page_size
from resolvers.portfolios import Portfolio, portfolio_filter
from resolvers.search import Segment, plan_search

COLUMNS = CUSTOMER.column_names
SELECT = CUSTOMER.select("c")
RETURNING = ", ".join(COLUMNS)


class SortField(StrEnum):
    RELEVANCE = "relevance"  # with a name search: exact names, prefix matches, by similarity, then tags
    NAME = "name"
    CREATED_AT = "created_at"
    LAST_INTERACTION_AT = "last_interaction_at"
    LAST_CONTACTED_AT = "last_contacted_at"
    STATUS = "status"
    EMAIL = "email"
    TRADE_NAME = "trade_name"
    CITY = "city"
    OWNER = "owner"  # the owner's name


@dataclass(frozen=True)
class Sort:
    field: SortField = SortField.CREATED_AT
    descending: bool = True


# How each field sorts, from the descriptor (``SortBy``): SortField is the API's list of them, in
# the order the schema publishes (a test holds the two together).
SORTS: dict[SortField, SortBy] = {SortField(name): sort for name, (_, sort) in CUSTOMER.sorts.items()}
# Sorting by a value reveals its order: only callers who may read it.
CONTACT_SORTS = frozenset(SortField(name) for name, (column, _) in CUSTOMER.sorts.items() if column.contact)


def sort_keys(sort: Sort) -> tuple[SortKey, ...]:
    d = sort.descending
    by = SORTS[sort.field]
    expr = by.expr.format(t="c")
    if by.empty_last:
        # One direction for every term (a row comparison an index can walk): "is there a
        # value" first, so that empty values come last whichever way the values go.
        present = f"({expr} IS NOT NULL)" if d else f"({expr} IS NULL)"
        return (
            SortKey(present, d, "boolean", "_s0"),
            SortKey(f"coalesce({expr}, '') COLLATE \"C\"", d, "text", "_s1"),
            SortKey("c.id", d, "uuid", "_s2"),
        )
    return (SortKey(expr, d, by.cast, "_s0"), SortKey("c.id", d, "uuid", "_s1"))


def hidden_sort(access: Access, sort: Sort | None) -> str | None:
    """Why the caller may not sort so (a value they may not read), else None."""
    if sort is not None and sort.field in CONTACT_SORTS and contact_hidden(access):
        return f"{sort.field.name} is contact data, which is hidden from you"
    return None


def _numbered(keys: tuple[SortKey, ...]) -> tuple[SortKey, ...]:
    return tuple(replace(k, field=f"_s{i}") for i, k in enumerate(keys))


def _select(keys: tuple[SortKey, ...], columns: Sql | None = None) -> Sql:
    """The row's columns (or the caller's ``columns``) plus its sort values (``_s0``, ``_s1``...),
    which the cursor carries."""
    return (
        Sql("SELECT ")
        + (columns if columns is not None else Sql(SELECT))
        + Sql(", ")
        + join(", ", (k.sql() + Sql(f" AS {k.field}") for k in keys))
        + Sql(" FROM customer c WHERE ")
    )


@dataclass(slots=True)
class CustomerPage:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total_count: Callable[[], Awaitable[int]]
    ignored: list[str] = field(default_factory=list)


async def customer_base(
    access: Access,
    *,
    portfolio: Portfolio | None = None,
    seller_id: UUID | None = None,
    filter: dict[str, Any] | None = None,
    lenient: bool = False,
    labels: dict[str, str] | None = None,
) -> tuple[Sql, list[str]]:
    """The rows a list shows before any search: visibility first, then portfolio and filter.

    Answers the condition and what a lenient (saved) filter had to ignore.
    """
    access.require(P.CUSTOMER_READ)
    f = filter or {}
    if "portfolio" in f or "sellerId" in f:
        if portfolio is not None or seller_id is not None:
            raise ValidationFailed.one(
                "filter.portfolio", FieldErrorCode.INVALID, "choose the portfolio in the filter or beside it, not both"
            )
        portfolio = Portfolio(f["portfolio"]) if f.get("portfolio") else None
        seller_id = UUID(str(f["sellerId"])) if f.get("sellerId") else None
    compiled = await compile_filter(access, f, lenient=lenient, labels=labels)
    condition = and_(
        visible_rows(access, "Customer", "c"),
        portfolio_filter(access, portfolio, seller_id),
        compiled.condition,
    )
    return condition, compiled.ignored


async def customer_where(
    access: Access,
    *,
    search: str | None = None,
    portfolio: Portfolio | None = None,
    seller_id: UUID | None = None,
    filter: dict[str, Any] | None = None,
) -> Sql:
    """Every row a list shows, search included (whatever its order)."""
    base, _ = await customer_base(access, portfolio=portfolio, seller_id=seller_id, filter=filter)
    plan = await plan_search(access, search)
    return and_(base, plan.condition if plan else None)


def page_query(where: Sql, limit: int) -> Sql:
    """One page of the list in its default order, plus one row to tell whether more follow."""
    keys = sort_keys(Sort())
    return _select(keys) + where + Sql(" ORDER BY ") + order_sql(keys) + Sql(" LIMIT %s", limit + 1)


@dataclass(slots=True)
class ListPlan:
    """What one page of a customer list reads, before anything is read: the compiled read path
    turns it into its one statement, ``list_customers`` runs it as is.

    Either ``keys`` (one order, rows after ``resume``) or ``segments`` (a name search by
    relevance: segments from ``start`` on, the first of them after ``resume``; a cursor holds its
    segment's number first)."""

    limit: int
    where: Sql  # every row of the list (the total count)
    base: Sql  # before the search
    cursors: ListCursors
    keys: tuple[SortKey, ...] = ()
    segments: list[Segment] = field(default_factory=list)
    start: int = 0
    resume: list[Any] | None = None
    after: bool = False
    ignored: list[str] = field(default_factory=list)

    def pages(self) -> list[tuple[int | None, Sql, tuple[SortKey, ...]]]:
        """(segment number or None, condition, order) of each query the page walks, in order."""
        if not self.segments:
            where = self.where
            if self.resume is not None:
                where = and_(where, after_condition(self.keys, self.resume))
            return [(None, where, self.keys)]
        out: list[tuple[int | None, Sql, tuple[SortKey, ...]]] = []
        for index in range(self.start, len(self.segments)):
            keys = _numbered(self.segments[index].keys)
            condition = and_(self.base, self.segments[index].condition)
            if index == self.start and self.resume is not None:
                condition = and_(condition, after_condition(keys, self.resume))
            out.append((index, condition, keys))
        return out


async def plan_list(
    access: Access,
    *,
    first: int | None = None,
    after: str | None = None,
    search: str | None = None,
    portfolio: Portfolio | None = None,
    seller_id: UUID | None = None,
    sort: Sort | None = None,
    filter: dict[str, Any] | None = None,
    lenient: bool = False,
    labels: dict[str, str] | None = None,
    origin: tuple[str, Any] = ("customers", None),
) -> ListPlan:
    """The plan of a page of customers (see ``list_customers``); refuses bad arguments here."""
    limit = page_size(first)
    base, ignored = await customer_base(
        access, portfolio=portfolio, seller_id=seller_id, filter=filter, lenient=lenient, labels=labels
    )
    refused = hidden_sort(access, sort)
    if refused and not lenient:
        raise ValidationFailed.one("sort.field", FieldErrorCode.NOT_ALLOWED, refused)
    if refused:  # a shared filter sorting by data hidden from this caller: its default order
        ignored, sort = [*ignored, f"sort by {refused}"], None
    search_plan = await plan_search(access, search)
    where = and_(base, search_plan.condition if search_plan else None)
    cursors = ListCursors.of(
        access.principal,
        origin[0],
        parent=origin[1],
        search=search,
        portfolio=portfolio,
        seller=seller_id,
        sort=[sort.field, sort.descending] if sort else None,
        filter=filter,
        lenient=lenient,
    )
    plan = ListPlan(limit, where, base, cursors, after=after is not None, ignored=ignored)
    relevance = sort is None or sort.field is SortField.RELEVANCE
    if search_plan is not None and search_plan.segments and relevance:
        plan.segments = search_plan.segments
        if after:
            opened = cursors.decode(after, 1 + len(plan.segments[0].keys))
            segment = opened[0]
            if not isinstance(segment, int) or isinstance(segment, bool) or not 0 <= segment < len(plan.segments):
                raise ValidationFailed.one("after", FieldErrorCode.INVALID, "is not a valid cursor")
            plan.start, plan.resume = segment, opened[1:]
    else:
        chosen = Sort() if sort is None or sort.field is SortField.RELEVANCE else sort
        plan.keys = sort_keys(chosen)
        if after:
            plan.resume = cursors.decode(after, len(plan.keys))
    return plan


def every_row_queries(plan: ListPlan, columns: Sql) -> list[Sql]:
    """Every row of the list ``plan`` describes, in its order and with no page: one statement per
    segment of a relevance search (in segment order), else one. Exports stream these."""
    return [
        _select(keys, columns) + condition + Sql(" ORDER BY ") + order_sql(keys) for _, condition, keys in plan.pages()
    ]


async def list_customers(
    access: Access,
    *,
    columns: Sql | None = None,
    **arguments: Any,
) -> CustomerPage:
    """A page of customers. ``lenient`` (with ``labels``) applies a saved filter: conditions on
    tags, teams or fields deleted since are left out and listed in ``ignored``. ``columns``
    replaces the row's columns. ``origin`` names the list for its cursors (the root list, or a
    saved filter by id). The other arguments are ``plan_list``'s."""
    plan = await plan_list(access, **arguments)
    where = plan.where

    async def total_count() -> int:
        return await fetchval(Sql("SELECT count(*) FROM customer c WHERE ") + where)

    rows: list[dict[str, Any]] = []
    positions: list[str] = []
    for segment, condition, keys in plan.pages():
        found = await fetch(
            _select(keys, columns)
            + condition
            + Sql(" ORDER BY ")
            + order_sql(keys)
            + Sql(" LIMIT %s", plan.limit + 1 - len(rows))
        )
        rows += found
        head = [] if segment is None else [segment]
        positions += [plan.cursors.encode([*head, *(r[k.field] for k in keys)]) for r in found]
        if len(rows) > plan.limit:
            break
    limit = plan.limit
    return CustomerPage(rows[:limit], positions[:limit], len(rows) > limit, plan.after, total_count, plan.ignored)


async def get_customer(access: Access, customer_id: UUID) -> dict[str, Any] | None:
    """The customer, or None when it does not exist or the caller may not see it.

    The id of a merged-away customer resolves to the customer it was merged into, so links
    kept by other systems keep working.
    """
    if not access.can(P.CUSTOMER_READ):
        return None
    return await fetchrow(
        Sql(
            f"SELECT {SELECT} FROM customer c WHERE c.id = (SELECT coalesce(m.merged_into_id, m.id) "
            "FROM customer m WHERE m.id = %s AND m.tenant_id = %s) AND ",
            customer_id,
            access.principal.tenant_id,
        )
        + visible_rows(access, "Customer", "c")
    )


async def get_customers(access: Access, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """The live customers among ``ids`` that the caller may see."""
    if not ids or not access.can(P.CUSTOMER_READ):
        return {}
    rows = await fetch(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", ids)
        + visible_rows(access, "Customer", "c")
    )
    return {r["id"]: r for r in rows}


async def reread(tenant_id: UUID, customer_id: UUID) -> dict[str, Any]:
    """A row the caller just wrote, inside the same transaction."""
    row = await fetchrow(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = %s AND c.tenant_id = %s", customer_id, tenant_id)
    )
    assert row is not None
    return row
