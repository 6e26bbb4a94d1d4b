"""What an export lists: the ``customers`` list's own arguments, kept with the export (as JSON) so
the file can be written later, by a job or at download, exactly as that list reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from authz.access import Access
from resolvers.customer_filters import COLUMN_FILTERS
from resolvers.customer_reads import ListPlan, Sort, SortField, plan_list
from resolvers.errors import FieldErrorCode, NotFound, ValidationFailed
from resolvers.history import to_json
from resolvers.portfolios import Portfolio
from resolvers.saved_filters import applied, get_filter

DELIMITERS = (";", ",")


@dataclass
class ExportArguments:
    """The list's arguments as ``plan_list`` takes them (``filter`` with ids as text), or a saved
    list by id; the columns (API names, None for all) and the CSV delimiter."""

    search: str | None = None
    portfolio: Portfolio | None = None
    seller_id: UUID | None = None
    sort: Sort | None = None
    filter: dict[str, Any] | None = None
    saved_filter_id: UUID | None = None
    columns: list[str] | None = None
    delimiter: str = ";"

    def check(self) -> None:
        if self.delimiter not in DELIMITERS:
            raise ValidationFailed.one("delimiter", FieldErrorCode.INVALID, "must be ';' or ','")
        given = [self.search, self.portfolio, self.seller_id, self.sort, self.filter]
        if self.saved_filter_id is not None and any(v is not None for v in given):
            raise ValidationFailed.one(
                "savedFilterId",
                FieldErrorCode.INVALID,
                "a saved list brings its own filter, search and order: give it alone",
            )

    def to_json(self) -> str:
        return to_json(
            {
                "search": self.search,
                "portfolio": self.portfolio.value if self.portfolio else None,
                "sellerId": str(self.seller_id) if self.seller_id else None,
                "sort": {"field": self.sort.field.value, "descending": self.sort.descending} if self.sort else None,
                "filter": self.filter,
                "savedFilterId": str(self.saved_filter_id) if self.saved_filter_id else None,
                "columns": self.columns,
                "delimiter": self.delimiter,
            }
        )

    @classmethod
    def from_json(cls, stored: dict[str, Any] | str) -> ExportArguments:
        data = json.loads(stored) if isinstance(stored, str) else stored
        sort = data.get("sort")
        return cls(
            search=data.get("search"),
            portfolio=Portfolio(data["portfolio"]) if data.get("portfolio") else None,
            seller_id=UUID(data["sellerId"]) if data.get("sellerId") else None,
            sort=Sort(SortField(sort["field"]), bool(sort["descending"])) if sort else None,
            filter=_revived(data.get("filter")),
            saved_filter_id=UUID(data["savedFilterId"]) if data.get("savedFilterId") else None,
            columns=data.get("columns"),
            delimiter=data.get("delimiter") or ";",
        )


def _revived(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """A filter read back from JSON: its time ranges as times again."""
    if stored is None:
        return None
    out = dict(stored)
    for name, column in COLUMN_FILTERS.items():
        if column.kind == "datetime" and isinstance(out.get(name), dict):
            out[name] = {k: datetime.fromisoformat(v) if isinstance(v, str) else v for k, v in out[name].items()}
    return out


async def plan_for(access: Access, arguments: ExportArguments) -> ListPlan:
    """The plan of the list the export reads: the very one ``customers`` (or the saved list's
    ``customers``) reads for this caller, refusing bad arguments as it does."""
    if arguments.saved_filter_id is not None:
        row = await get_filter(access, arguments.saved_filter_id)
        if row is None:
            raise NotFound("SavedFilter", str(arguments.saved_filter_id))
        return await plan_list(access, **applied(row))
    return await plan_list(
        access,
        search=arguments.search,
        portfolio=arguments.portfolio,
        seller_id=arguments.seller_id,
        sort=arguments.sort,
        filter=arguments.filter,
    )
