"""Saved customer lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from authz.catalogue import P
from authz.masking import custom_value_hidden
from models.saved_filters import SAVED_FILTER
from resolvers import customer_reads
from resolvers import saved_filters as filter_ops
from resolvers.customer_filters import compile_filter
from resolvers.errors import NotFound as Missing
from schema.context import Info
from schema.customer_inputs import CustomerFilter, CustomerSort, filter_from_api, filter_to_api
from schema.customer_type import Customer
from schema.customers import customer_connection
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.inputs import provided
from schema.node import Node, parse_id
from schema.pagination import Connection, paged
from schema.permissions import requires
from schema.row_values import row_values
from schema.users import User


@strawberry.type(description="A named customer list; applying it still applies your own visibility.")
class SavedFilter(Node):
    name: str
    shared: bool
    search: str | None
    created_at: datetime
    updated_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SavedFilter:
        return cls(
            **row_values(SAVED_FILTER, cls, row),
            _row=row,
        )

    @strawberry.field(
        description="The filter, as CustomerFilter takes it (to fill a form). Conditions on contact "
        "fields are left out when contact data is hidden from you (they are in `ignored`)."
    )
    async def filter(self, info: Info) -> JSON:
        conditions = self._row["conditions"] or {}
        if info.context.contact_hidden and conditions.get("customFields"):
            # What someone typed to find a phone or e-mail is contact data too.
            fields = await info.context.loaders.custom_fields.load(info.context.access.principal.tenant_id)
            withheld = {f.key for f in fields if custom_value_hidden(f.type, True)}
            kept = [c for c in conditions["customFields"] if c.get("key") not in withheld]
            conditions = {**conditions, "customFields": kept}
        return cast(JSON, filter_to_api(conditions))

    @strawberry.field(description="The order, as CustomerSort takes it, or null for the default.")
    def sort(self) -> JSON | None:
        sort = self._row["sort"]
        if not sort:
            return None
        return cast(JSON, {"field": sort["field"].upper(), "direction": "DESC" if sort["descending"] else "ASC"})

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        row = await info.context.loaders.users.load(self._row["owner_id"])
        return User.from_row(row) if row else None

    @strawberry.field(description="Conditions left out because what they name was deleted since (e.g. a tag).")
    async def ignored(self, info: Info) -> list[str]:
        access = info.context.access
        compiled = await compile_filter(access, self._row["conditions"], lenient=True, labels=self._row["labels"])
        refused = customer_reads.hidden_sort(access, filter_ops.sort_from(self._row["sort"]))
        return [*compiled.ignored, f"sort by {refused}"] if refused else compiled.ignored

    @strawberry.field(description="The customers of the list, within what you may see.", extensions=paged())
    async def customers(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Customer] | None:
        page = await customer_reads.list_customers(
            info.context.access, first=first, after=after, **filter_ops.applied(self._row)
        )
        return await customer_connection(info, page)


@strawberry.input
class SaveFilterInput:
    name: str
    filter: CustomerFilter | None = UNSET
    search: str | None = UNSET
    sort: CustomerSort | None = UNSET
    shared: bool | None = strawberry.field(
        default=UNSET, description="Visible to the whole company (needs saved_filter:share)."
    )


@strawberry.input
class UpdateSavedFilterInput:
    id: strawberry.ID
    name: str | None = UNSET
    filter: CustomerFilter | None = UNSET
    search: str | None = UNSET
    sort: CustomerSort | None = UNSET
    shared: bool | None = UNSET


@strawberry.input
class DeleteSavedFilterInput:
    id: strawberry.ID


@strawberry.type
class SavedFilterSuccess:
    saved_filter: SavedFilter | None


@strawberry.type
class SavedFilterDeleted:
    deleted_id: strawberry.ID


SavedFilterResult = Annotated[SavedFilterSuccess | ValidationFailed | NotFound, strawberry.union("SavedFilterResult")]
DeleteSavedFilterResult = Annotated[SavedFilterDeleted | NotFound, strawberry.union("DeleteSavedFilterResult")]


def _data(input: Any) -> dict[str, Any]:
    data = provided(input)
    if data.get("filter") is not None:
        data["filter"] = filter_from_api(data["filter"])
    return data


def _pk(value: str) -> Any:
    pk = parse_id(value, "SavedFilter")
    if pk is None:
        raise Missing("SavedFilter", value)
    return pk


@strawberry.type
class SavedFilterQuery:
    @strawberry.field(
        extensions=requires(P.SAVED_FILTER_WRITE), description="Your lists and the company's shared ones."
    )
    async def saved_filters(self, info: Info) -> list[SavedFilter]:
        return [SavedFilter.from_row(r) for r in await filter_ops.list_filters(info.context.access)]


@strawberry.type
class SavedFilterMutation:
    @strawberry.mutation(extensions=requires(P.SAVED_FILTER_WRITE), description="Save a list: filter, search, order.")
    @returns_errors
    async def save_filter(self, info: Info, input: SaveFilterInput) -> SavedFilterResult | None:
        row = await filter_ops.save_filter(info.context.access, _data(input))
        return SavedFilterSuccess(saved_filter=SavedFilter.from_row(row))

    @strawberry.mutation(extensions=requires(P.SAVED_FILTER_WRITE), description="Rename or change a saved list.")
    @returns_errors
    async def update_saved_filter(self, info: Info, input: UpdateSavedFilterInput) -> SavedFilterResult | None:
        data = _data(input)
        row = await filter_ops.update_filter(info.context.access, _pk(data.pop("id")), data)
        return SavedFilterSuccess(saved_filter=SavedFilter.from_row(row))

    @strawberry.mutation(extensions=requires(P.SAVED_FILTER_WRITE))
    @returns_errors
    async def delete_saved_filter(self, info: Info, input: DeleteSavedFilterInput) -> DeleteSavedFilterResult | None:
        await filter_ops.delete_filter(info.context.access, _pk(input.id))
        return SavedFilterDeleted(deleted_id=input.id)
