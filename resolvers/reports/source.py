"""The rows a report reads: the caller's customers under a list's filter (the very condition the
``customers`` list applies, visibility first), or an exported JSON file the caller uploads."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from authz.access import Access
from models.sql import Sql, and_
from resolvers import saved_filters
from resolvers.customer_reads import customer_base, customer_where
from resolvers.errors import FieldErrorCode, NotFound, ValidationFailed
from resolvers.portfolios import Portfolio
from resolvers.search import plan_search

MAX_JSON_CHARS = 1_000_000  # as a string argument (the request body is limited too)
MAX_JSON_BYTES = 20 * 1024 * 1024  # as an uploaded file
MAX_JSON_ROWS = 200_000


def _uuid(value: Any, path: str) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise ValidationFailed.one(path, FieldErrorCode.INVALID, "is not an id") from None


async def customer_condition(access: Access, source: dict[str, Any]) -> Sql:
    """The condition on ``customer c`` of the rows the ``customers`` list would show with the
    same arguments (a saved filter applied as the list applies it: leniently)."""
    if source.get("savedFilterId"):
        if any(source.get(k) for k in ("filter", "search", "portfolio", "sellerId")):
            raise ValidationFailed.one(
                "source.savedFilterId", FieldErrorCode.INVALID, "a saved filter brings its own filter and search"
            )
        row = await saved_filters.get_filter(access, _uuid(source["savedFilterId"], "source.savedFilterId"))
        if row is None:
            raise NotFound("SavedFilter", str(source["savedFilterId"]))
        applied = saved_filters.applied(row)
        base, _ = await customer_base(access, filter=applied["filter"], lenient=True, labels=applied["labels"])
        plan = await plan_search(access, applied["search"])
        return and_(base, plan.condition if plan else None)
    portfolio = source.get("portfolio")
    seller = source.get("sellerId")
    return await customer_where(
        access,
        search=source.get("search"),
        portfolio=Portfolio(portfolio) if portfolio else None,
        seller_id=_uuid(seller, "source.sellerId") if seller else None,
        filter=source.get("filter"),
    )


def checked_document(text: str, *, limit: int = MAX_JSON_CHARS) -> str:
    """An exported file as given, once it is known to be an array of objects of bearable size.
    PostgreSQL reads it (``jsonb_array_elements``); nothing is summed here."""
    if len(text) > limit:
        raise ValidationFailed.one("source.json", FieldErrorCode.TOO_LONG, f"at most {limit} characters")
    try:
        document = json.loads(text)
    except ValueError:
        raise ValidationFailed.one("source.json", FieldErrorCode.INVALID, "is not JSON") from None
    if not isinstance(document, list) or not all(isinstance(row, dict) for row in document):
        raise ValidationFailed.one("source.json", FieldErrorCode.INVALID, "is not an array of customer objects")
    if len(document) > MAX_JSON_ROWS:
        raise ValidationFailed.one("source.json", FieldErrorCode.TOO_MANY, f"at most {MAX_JSON_ROWS} customers")
    return text
