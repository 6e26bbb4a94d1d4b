"""Keyset pagination: the order of a list, and the rows after a cursor (resolvers/cursors.py seals it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from models.descriptors import OrderKey
from models.sql import Sql, join, or_
from resolvers.errors import FieldErrorCode, ValidationFailed

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ORDER BY term. ``expr`` must never be NULL (wrap nullable columns in COALESCE).

    ``params`` fill the ``%s`` in ``expr`` (e.g. the search term of a relevance order).
    """

    expr: str
    descending: bool
    cast: str  # SQL type the cursor value is cast to
    field: str  # key of the row dict holding the value
    params: tuple[Any, ...] = ()

    def sql(self) -> Sql:
        return Sql(self.expr, *self.params)


def keys_on(order: Sequence[OrderKey], alias: str) -> tuple[SortKey, ...]:
    """A descriptor's order (``ToMany.order``) as the SortKeys of the table as ``alias``."""
    return tuple(SortKey(k.on(alias), k.descending, k.cast, k.field) for k in order)


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 1 or first > MAX_PAGE_SIZE:
        raise ValidationFailed.one("first", FieldErrorCode.INVALID, f"must be between 1 and {MAX_PAGE_SIZE}")
    return first


def order_by(keys: Sequence[SortKey]) -> str:
    """ORDER BY terms for keys without parameters (see ``order_sql`` for the others)."""
    assert not any(k.params for k in keys)
    return ", ".join(f"{k.expr} {'DESC' if k.descending else 'ASC'}" for k in keys)


def order_sql(keys: Sequence[SortKey]) -> Sql:
    return join(", ", (k.sql() + Sql(" DESC" if k.descending else " ASC") for k in keys))


_FROM_JSON: dict[str, Any] = {
    "timestamptz": datetime.fromisoformat,
    "real": float,
    "uuid": UUID,
    "text": str,
    "int": int,
    "boolean": bool,
}


def _typed(key: SortKey, value: Any) -> Any:
    """asyncpg wants Python values of the parameter's type; cursors carry JSON ones."""
    try:
        return _FROM_JSON[key.cast](value)
    except (TypeError, ValueError):
        raise ValidationFailed.one("after", FieldErrorCode.INVALID, "is not a valid cursor") from None


def after_condition(keys: Sequence[SortKey], values: Sequence[Any]) -> Sql:
    """Rows strictly after ``values`` in the order ``keys`` define."""
    params = [Sql(f"%s::{k.cast}", _typed(k, v)) for k, v in zip(keys, values, strict=True)]
    if len({k.descending for k in keys}) == 1:
        op = "<" if keys[0].descending else ">"
        left = join(", ", (k.sql() for k in keys))
        return join("", [left.wrap("(", f") {op} ("), join(", ", params), Sql(")")])
    # Mixed directions: (a > x) OR (a = x AND b < y) OR ...
    branches = []
    for i, key in enumerate(keys):
        terms = [join("", [k.sql(), Sql(" = "), params[j]]) for j, k in enumerate(keys[:i])]
        op = "<" if key.descending else ">"
        terms.append(join("", [key.sql(), Sql(f" {op} "), params[i]]))
        branches.append(join(" AND ", terms))
    return or_(*branches)
