"""Customer queries: one customer, and the customers list with its nested lists fetched per page."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import strawberry
from strawberry.types.nodes import SelectedField

from authz.access import Access
from authz.catalogue import P
from models import TaskStatus as ModelTaskStatus
from resolvers import customer_reads
from resolvers import notes as note_ops
from resolvers import tags as tag_ops
from resolvers import tasks as task_ops
from resolvers import teams as team_ops
from resolvers import users as user_ops
from resolvers.children import child_pages
from resolvers.customer_reads import Sort, SortField
from resolvers.errors import FieldErrorCode
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.portfolios import Portfolio
from schema.context import Info
from schema.customer_inputs import CustomerFilter, CustomerSort, PortfolioChoice, SortDirection, filter_from_api
from schema.customer_type import OPEN_TASKS, Customer
from schema.inputs import provided
from schema.node import parse_id
from schema.pagination import Connection, build_connection, check_page_arguments, paged
from schema.permissions import requires
from schema.selection import selected_below


async def customer_connection(info: Info, page: customer_reads.CustomerPage) -> Connection[Customer]:
    """A page of customers as a connection, its nested lists prefetched for the whole page."""
    hidden = info.context.contact_hidden
    prefetched = await prefetch_for_page(info, page.rows)
    return build_connection(
        [Customer.from_row(r, hidden, prefetched) for r in page.rows],
        page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
        total_count=page.total_count,
    )


async def prefetch_for_page(info: Info, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Fetch, for a whole page and concurrently, the nested lists the query selects below it.

    The same statements the DataLoaders would send, started together; then the users those lists
    name (owners, task responsibles, note authors), in one more. Nested fields then resolve
    without awaiting.
    """
    if not rows:
        return None
    root = info.selected_fields[0]
    assert isinstance(root, SelectedField)  # the field being resolved, never a fragment
    wanted = selected_below(root, ("nodes",), ("edges", "node"))
    access = info.context.access
    ids = [r["id"] for r in rows]
    jobs: dict[str, Any] = {}
    if "tags" in wanted:
        jobs["tags"] = tag_ops.tags_of_customers(access, ids)
    if "teams" in wanted:
        jobs["teams"] = team_ops.teams_of_customers(access, ids)
    if "openTasks" in wanted:
        jobs["openTasks"] = child_pages(
            task_ops.TASKS,
            access,
            ids,
            (ModelTaskStatus.OPEN,),
            first=OPEN_TASKS,
            after=None,
            with_cursors=False,
        )
    if "lastNote" in wanted:
        jobs["lastNote"] = note_ops.last_notes(access, ids)
    if not jobs and "owner" not in wanted:
        return None
    found = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    people: set[Any] = {r["owner_id"] for r in rows if r["owner_id"]} if "owner" in wanted else set()
    for page in (found.get("openTasks") or {}).values():
        people.update(v for t in page.rows for v in (t["responsible_id"], t["created_by_id"]) if v)
    people.update(n["author_id"] for n in (found.get("lastNote") or {}).values() if n["author_id"])
    # Users hidden from the caller (authz/rows.py) are not read: the loader answers null for them.
    found["users"] = await user_ops.users_by_id(access, list(people)) if people else {}
    return found


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
