"""Customer queries: one customer, and the customers list."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from authz.access import Access
from authz.catalogue import P
from resolvers import customer_reads
from resolvers.customer_reads import Sort, SortField
from resolvers.errors import FieldErrorCode
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.portfolios import Portfolio
from schema.context import Info
from schema.customer_inputs import CustomerFilter, CustomerSort, PortfolioChoice, SortDirection, filter_from_api
from schema.customer_type import Customer
from schema.inputs import provided
from schema.node import parse_id
from schema.pagination import Connection, build_connection, check_page_arguments, paged
from schema.permissions import requires


async def customer_connection(info: Info, page: customer_reads.CustomerPage) -> Connection[Customer]:
    """A page of customers as a connection; nested fields batch through the DataLoaders."""
    hidden = info.context.contact_hidden
    return build_connection(
        [Customer.from_row(r, hidden) for r in page.rows],
        page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
        total_count=page.total_count,
    )


@strawberry.type
class CustomerQuery:
    @strawberry.field(extensions=requires(P.CUSTOMER_READ), description="A customer you may see, else null.")
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        pk = parse_id(id, "Customer")
        if pk is None:
            return None
        row = await customer_reads.get_customer(info.context.access, pk)
        return Customer.from_row(row, info.context.contact_hidden) if row else None

    @strawberry.field(
        extensions=[*paged(), *requires(P.CUSTOMER_READ)], description="Customers you may see, newest first."
    )
    async def customers(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        search: str | None = None,
        portfolio: Annotated[
            PortfolioChoice | None,
            strawberry.argument(description="Default: ALL when you see the whole company, else MINE."),
        ] = None,
        seller_id: Annotated[strawberry.ID | None, strawberry.argument(description="With portfolio: SELLER.")] = None,
        sort: CustomerSort | None = None,
        filter: CustomerFilter | None = None,
    ) -> Connection[Customer]:
        page = await customers_page(
            info.context.access,
            first=first,
            after=after,
            search=search,
            portfolio=portfolio,
            seller_id=seller_id,
            sort=sort,
            filter=filter,
        )
        return await customer_connection(info, page)


def list_arguments(
    *,
    first: int | None = 20,
    after: str | None = None,
    search: str | None = None,
    portfolio: Portfolio | None = None,
    seller_id: strawberry.ID | None = None,
    sort: CustomerSort | None = None,
    filter: CustomerFilter | None = None,
) -> dict[str, Any]:
    """The ``customers`` field's arguments, as the API takes them, as the list reads them
    (``customer_reads.plan_list``). The compiled read path (schema/compile) comes through here too."""
    check_page_arguments({"first": first})  # the compiled path runs no field extension
    seller = None
    if seller_id is not None:
        seller = parse_id(seller_id, "User")
        if seller is None:
            raise InvalidInput.one("sellerId", FieldErrorCode.INVALID, "is not a user id")
    return {
        "first": first,
        "after": after,
        "search": search,
        "portfolio": portfolio,
        "seller_id": seller,
        "sort": Sort(SortField(sort.field), sort.direction is SortDirection.DESC) if sort else None,
        "filter": filter_from_api(provided(filter)) if filter else None,
    }


async def customers_page(access: Access, **arguments: Any) -> customer_reads.CustomerPage:
    """A page of the ``customers`` field (its arguments as the API takes them)."""
    return await customer_reads.list_customers(access, **list_arguments(**arguments))
