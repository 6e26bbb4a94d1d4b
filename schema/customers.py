"""Customers: the type, its inputs and results, and the customer queries and mutations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import UNSET
from strawberry.types.nodes import SelectedField

from authz.access import Access
from authz.catalogue import P
from authz.masking import mask_row
from authz.rows import may_see_kind
from models import CustomerStatus as ModelCustomerStatus
from models import OriginChannel as ModelOriginChannel
from models import TaskStatus as ModelTaskStatus
from resolvers import customer_reads
from resolvers import customers as customer_ops
from resolvers import notes as note_ops
from resolvers import tags as tag_ops
from resolvers import tasks as task_ops
from resolvers import teams as team_ops
from resolvers import users as user_ops
from resolvers.children import ChildPage
from resolvers.customer_filters import StatusFilter
from resolvers.customer_reads import Sort, SortField
from resolvers.customers import Outcome
from resolvers.duplicates import DuplicateFound, DuplicateHit, OnDuplicate
from resolvers.errors import FieldErrorCode
from resolvers.errors import NotFound as NotFoundError
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.kinds import a_kind
from resolvers.portfolios import Portfolio
from resolvers.timeline import TimelineKind as ModelTimelineKind
from schema.context import Info
from schema.custom_values import CustomFieldCondition, CustomFieldValue, CustomFieldValueInput, custom_field_values
from schema.errors import (
    ERROR_MAPPERS,
    Error,
    NotFound,
    ValidationFailed,
    VersionConflict,
    returns_errors,
)
from schema.inputs import provided
from schema.node import Node, parse_id, to_global_id
from schema.pagination import Connection, build_connection, check_page_arguments, paged
from schema.permissions import requires
from schema.selection import selected_below
from schema.tags import Tag
from schema.users import User

if TYPE_CHECKING:
    from schema.activities import Appointment, Note, Purchase, Task, TaskStatus
    from schema.conversations import Conversation
    from schema.teams import Team
    from schema.timeline import TimelineItem, TimelineKind

CustomerStatus = strawberry.enum(ModelCustomerStatus, name="CustomerStatus")
OriginChannel = strawberry.enum(ModelOriginChannel, name="OriginChannel", description="Where a customer came from.")


CustomerSortField = strawberry.enum(
    SortField,
    name="CustomerSortField",
    description="RELEVANCE applies to name searches (the default then); otherwise CREATED_AT is the default.",
)


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input
class CustomerSort:
    field: CustomerSortField
    direction: SortDirection = SortDirection.ASC


PortfolioChoice = strawberry.enum(Portfolio, name="Portfolio", description="Whose customers a list shows.")
CustomerOutcome = strawberry.enum(Outcome, name="CustomerOutcome", description="What createCustomer did.")
OnDuplicateMode = strawberry.enum(
    OnDuplicate, name="OnDuplicate", description="What createCustomer does when the customer already exists."
)


@strawberry.type
class Address:
    street: str | None
    number: str | None
    complement: str | None
    neighbourhood: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")


@strawberry.type
class Customer(Node):
    """Scalar fields are plain attributes, set once from the row: no resolver runs for them."""

    name: str
    trade_name: str | None
    email: str | None
    phone: str | None = strawberry.field(description="As typed.")
    phone_e164: str | None = strawberry.field(description="Normalized, E.164.")
    whatsapp: str | None
    whatsapp_e164: str | None
    document: str | None = strawberry.field(
        description="CPF or CNPJ without punctuation; an alphanumeric CNPJ in upper case."
    )
    address: Address
    status: CustomerStatus
    origin_channel: OriginChannel
    created_at: datetime
    updated_at: datetime
    last_interaction_at: datetime | None
    last_contacted_at: datetime | None
    version: int = strawberry.field(description="Send it back as expectedVersion to detect concurrent edits.")
    contact_hidden: bool = strawberry.field(
        description="True when email, phone and WhatsApp are withheld from you (show a lock, not an empty field)."
    )
    _pk: strawberry.Private[Any]
    _owner_id: strawberry.Private[Any]
    _custom_fields: strawberry.Private[dict[str, Any]]
    # Nested data a list fetched for its whole page up front (see prefetch_for_page); a field
    # found here resolves synchronously, without a DataLoader round.
    _prefetched: strawberry.Private[dict[str, Any] | None] = None

    @classmethod
    def from_row(cls, row: dict[str, Any], hidden: bool, prefetched: dict[str, Any] | None = None) -> Customer:
        """The only way a customer row becomes API data: contact rules are applied here."""
        if hidden:
            row = mask_row(row)
        return cls(
            id=to_global_id("Customer", row["id"]),
            name=row["name"],
            trade_name=row["trade_name"],
            email=row["email"],
            phone=row["phone"],
            phone_e164=row["phone_e164"],
            whatsapp=row["whatsapp"],
            whatsapp_e164=row["whatsapp_e164"],
            document=row["document"],
            address=Address(
                street=row["address_street"],
                number=row["address_number"],
                complement=row["address_complement"],
                neighbourhood=row["address_neighbourhood"],
                city=row["address_city"],
                state=row["address_state"],
                postal_code=row["address_postal_code"],
                country=row["address_country"],
            ),
            status=ModelCustomerStatus(row["status"]),
            origin_channel=ModelOriginChannel(row["origin_channel"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            last_interaction_at=row["last_interaction_at"],
            last_contacted_at=row["last_contacted_at"],
            version=row["version"],
            contact_hidden=hidden,
            _pk=row["id"],
            _owner_id=row["owner_id"],
            _prefetched=prefetched,
            _custom_fields=row["custom_fields"] or {},
        )

    @strawberry.field(
        name="customFields",
        description="The customer's values in the company's custom fields (archived ones aside), in display order.",
    )
    async def custom_field_values(self, info: Info) -> list[CustomFieldValue]:
        access = info.context.access
        fields = await info.context.loaders.custom_fields.load(access.principal.tenant_id)
        return custom_field_values(fields, self._custom_fields, self.contact_hidden)

    @strawberry.field(description="The seller whose portfolio holds this customer, if any.")
    def owner(self, info: Info) -> User | None:
        if self._owner_id is None:
            return None
        if self._prefetched is not None and self._owner_id in self._prefetched["users"]:
            return User.from_row(self._prefetched["users"][self._owner_id])
        return self._load_owner(info)  # type: ignore[return-value]

    async def _load_owner(self, info: Info) -> User | None:
        row = await info.context.loaders.users.load(self._owner_id)
        return User.from_row(row) if row else None

    @strawberry.field
    def tags(self, info: Info) -> list[Tag]:
        if self._prefetched is not None and "tags" in self._prefetched:
            return [Tag.from_row(r) for r in self._prefetched["tags"].get(self._pk, ())]
        return self._load_tags(info)  # type: ignore[return-value]

    async def _load_tags(self, info: Info) -> list[Tag]:
        return [Tag.from_row(r) for r in await info.context.loaders.tags.load(self._pk)]

    # --- the profile: records around the customer (types are lazy: they refer back to Customer) --

    @strawberry.field(description="Internal notes, newest first.", extensions=paged())
    async def notes(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[Note, strawberry.lazy("schema.activities")]] | None:
        from schema.activities import Note

        page = await info.context.loaders.note_pages.load((self._pk, first, after))
        return _child_connection(page, Note.from_row, lambda: info.context.loaders.note_counts.load((self._pk,)))

    @strawberry.field
    def last_note(self, info: Info) -> Annotated[Note, strawberry.lazy("schema.activities")] | None:
        if self._prefetched is not None and "lastNote" in self._prefetched:
            from schema.activities import Note

            row = self._prefetched["lastNote"].get(self._pk)
            return Note.from_row(row, self._prefetched["users"]) if row else None
        return self._load_last_note(info)  # type: ignore[return-value]

    async def _load_last_note(self, info: Info) -> Any:
        from schema.activities import Note

        row = await info.context.loaders.last_note.load(self._pk)
        return Note.from_row(row) if row else None

    @strawberry.field(description="Tasks, soonest due first; all statuses unless one is given.", extensions=paged())
    async def tasks(
        self,
        info: Info,
        status: Annotated[TaskStatus, strawberry.lazy("schema.activities")] | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Annotated[Task, strawberry.lazy("schema.activities")]] | None:
        from schema.activities import Task

        key = (self._pk, status, first, after)
        page = await info.context.loaders.task_pages.load(key)
        return _child_connection(page, Task.from_row, lambda: info.context.loaders.task_counts.load((self._pk, status)))

    @strawberry.field(description="Open tasks (up to 100), soonest due first.")
    def open_tasks(self, info: Info) -> list[Annotated[Task, strawberry.lazy("schema.activities")]]:
        if self._prefetched is not None and "openTasks" in self._prefetched:
            from schema.activities import Task

            users = self._prefetched["users"]
            return [Task.from_row(r, users) for r in self._prefetched["openTasks"][self._pk].rows]
        return self._load_open_tasks(info)  # type: ignore[return-value]

    async def _load_open_tasks(self, info: Info) -> Any:
        from schema.activities import Task

        page = await info.context.loaders.task_pages.load((self._pk, ModelTaskStatus.OPEN, OPEN_TASKS, None))
        return [Task.from_row(r) for r in page.rows]

    @strawberry.field(description="Conversations, the most recently active first.", extensions=paged())
    async def conversations(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[Conversation, strawberry.lazy("schema.conversations")]] | None:
        from schema.conversations import Conversation

        page = await info.context.loaders.conversation_pages.load((self._pk, first, after))
        return _child_connection(
            page, Conversation.from_row, lambda: info.context.loaders.conversation_counts.load((self._pk,))
        )

    @strawberry.field(description="The most recently active conversation.")
    async def last_conversation(
        self, info: Info
    ) -> Annotated[Conversation, strawberry.lazy("schema.conversations")] | None:
        from schema.conversations import Conversation

        page = await info.context.loaders.conversation_pages.load((self._pk, 1, None))
        return Conversation.from_row(page.rows[0]) if page.rows else None

    @strawberry.field(description="Appointments, the latest start first.", extensions=paged())
    async def appointments(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[Appointment, strawberry.lazy("schema.activities")]] | None:
        from schema.activities import Appointment

        page = await info.context.loaders.appointment_pages.load((self._pk, first, after))
        return _child_connection(
            page, Appointment.from_row, lambda: info.context.loaders.appointment_counts.load((self._pk,))
        )

    @strawberry.field(description="Purchases, the latest first.", extensions=paged())
    async def purchases(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[Purchase, strawberry.lazy("schema.activities")]] | None:
        from schema.activities import Purchase

        page = await info.context.loaders.purchase_pages.load((self._pk, first, after))
        return _child_connection(
            page, Purchase.from_row, lambda: info.context.loaders.purchase_counts.load((self._pk,))
        )

    @strawberry.field(
        description="Notes, tasks, conversations, appointments, purchases and history in one list, newest first.",
        extensions=paged(),
    )
    async def timeline(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        kinds: list[Annotated[TimelineKind, strawberry.lazy("schema.timeline")]] | None = None,
    ) -> Connection[Annotated[TimelineItem, strawberry.lazy("schema.timeline")]] | None:
        from schema.timeline import timeline_items

        # One loader key per distinct selection of kinds, whatever order they were asked in.
        chosen = tuple(sorted(set(kinds), key=list(ModelTimelineKind).index)) if kinds else None
        page = await info.context.loaders.timeline_pages.load((self._pk, chosen, first, after))
        items = await timeline_items(info, page.rows)
        kept = [(item, cursor) for item, cursor in zip(items, page.cursors, strict=True) if item is not None]
        return build_connection(
            [item for item, _ in kept],
            [cursor for _, cursor in kept],
            has_next=page.has_next,
            has_previous=page.has_previous,
            total_count=lambda: info.context.loaders.timeline_counts.load((self._pk, chosen)),
        )

    @strawberry.field(description="Teams the customer is attached to; their members may see it.")
    def teams(self, info: Info) -> list[Annotated[Team, strawberry.lazy("schema.teams")]]:
        if self._prefetched is not None and "teams" in self._prefetched:
            from schema.teams import Team

            return [Team.from_row(r) for r in self._prefetched["teams"].get(self._pk, ())]
        return self._load_teams(info)  # type: ignore[return-value]

    async def _load_teams(self, info: Info) -> Any:
        from schema.teams import Team

        return [Team.from_row(r) for r in await info.context.loaders.customer_teams.load(self._pk)]


OPEN_TASKS = 100


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
    tenant = access.principal.tenant_id
    ids = [r["id"] for r in rows]
    jobs: dict[str, Any] = {}
    if "tags" in wanted:
        jobs["tags"] = tag_ops.tags_of_customers(tenant, ids)
    if "teams" in wanted and may_see_kind(access, "Team"):
        jobs["teams"] = team_ops.teams_of_customers(tenant, ids)
    if "openTasks" in wanted:
        jobs["openTasks"] = task_ops.tasks_of(
            info.context.access.principal,
            ids,
            status=ModelTaskStatus.OPEN,
            first=OPEN_TASKS,
            after=None,
            with_cursors=False,
        )
    if "lastNote" in wanted:
        jobs["lastNote"] = note_ops.last_notes(tenant, ids)
    if not jobs and "owner" not in wanted:
        return None
    found = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    people: set[Any] = {r["owner_id"] for r in rows if r["owner_id"]} if "owner" in wanted else set()
    for page in (found.get("openTasks") or {}).values():
        people.update(v for t in page.rows for v in (t["responsible_id"], t["created_by_id"]) if v)
    people.update(n["author_id"] for n in (found.get("lastNote") or {}).values() if n["author_id"])
    # Users hidden from the caller (authz/rows.py) are left to the loader, which answers null.
    visible = people and may_see_kind(access, "User")
    found["users"] = await user_ops.users_by_id(tenant, list(people)) if visible else {}
    return found


@strawberry.enum(description="A contact field whose value another customer already has.")
class DuplicateField(Enum):
    EMAIL = "email"
    PHONE = "phone"
    WHATSAPP = "whatsapp"


@strawberry.type
class DuplicateMatch:
    fields: list[DuplicateField] = strawberry.field(description="Which of your values matched.")
    customer: Customer | None = strawberry.field(description="The existing customer; null when you may not see it.")
    held_by_another_portfolio: bool = strawberry.field(
        description="True when the existing customer is outside what you may see (nothing else about it is told)."
    )


@strawberry.type(description="The customer already exists; nothing was written.")
class DuplicateCustomer(Error):
    matches: list[DuplicateMatch]


def duplicate_matches(hits: list[DuplicateHit], hidden: bool) -> list[DuplicateMatch]:
    return [
        DuplicateMatch(
            fields=[DuplicateField(f) for f in hit.fields],
            customer=Customer.from_row(hit.row, hidden) if hit.row else None,
            held_by_another_portfolio=hit.row is None,
        )
        for hit in hits
    ]


ERROR_MAPPERS[DuplicateFound] = lambda e, info: DuplicateCustomer(
    message=str(e), matches=duplicate_matches(e.hits, info.context.contact_hidden)
)


def _child_connection(page: ChildPage, build: Callable[[dict[str, Any]], Any], count: Callable[[], Any]) -> Any:
    return build_connection(
        [build(r) for r in page.rows],
        page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
        total_count=count,
    )


@strawberry.input
class AddressInput:
    street: str | None = UNSET
    number: str | None = UNSET
    complement: str | None = UNSET
    neighbourhood: str | None = UNSET
    city: str | None = UNSET
    state: str | None = UNSET
    postal_code: str | None = UNSET
    country: str | None = UNSET


@strawberry.input
class CreateCustomerInput:
    name: str
    trade_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    whatsapp: str | None = UNSET
    document: str | None = strawberry.field(
        default=UNSET, description="CPF or CNPJ (numeric or alphanumeric), with or without punctuation."
    )
    address: AddressInput | None = UNSET
    status: CustomerStatus | None = UNSET
    origin_channel: OriginChannel | None = UNSET
    owner_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Responsible seller. Needs customer:assign; others create into their own portfolio."
    )
    tags: list[str] | None = UNSET
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Values by field key; null clears one."
    )
    on_duplicate: OnDuplicateMode | None = strawberry.field(
        default=UNSET, description="BLOCK (the default), MERGE or UPDATE; the last two need customer:update on it."
    )


@strawberry.input
class UpdateCustomerInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=UNSET, description="The version you read; a different current version answers VersionConflict."
    )
    name: str | None = UNSET
    trade_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    whatsapp: str | None = UNSET
    document: str | None = UNSET
    address: AddressInput | None = UNSET
    status: CustomerStatus | None = UNSET
    origin_channel: OriginChannel | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Values to change, by field key; null clears one; fields not listed keep theirs."
    )


StatusChoice = strawberry.enum(
    StatusFilter, name="StatusFilter", description="ACTIVE (the default), INACTIVE, or ANY for both."
)


@strawberry.input(description="Customers holding any / all / none of these tags (tag ids).")
class TagCondition:
    any_of: list[strawberry.ID] | None = UNSET
    all_of: list[strawberry.ID] | None = UNSET
    none_of: list[strawberry.ID] | None = UNSET


@strawberry.input(description="From (inclusive) and/or to (exclusive).")
class TimeRange:
    from_: datetime | None = strawberry.field(name="from", default=UNSET)
    to: datetime | None = UNSET


@strawberry.input(description="Narrows a customer list; every condition given must hold.")
class CustomerFilter:
    tags: TagCondition | None = UNSET
    origin_channels: list[OriginChannel] | None = UNSET
    status: StatusChoice | None = strawberry.field(
        default=UNSET, description="Lists show ACTIVE customers unless asked otherwise."
    )
    created_between: TimeRange | None = UNSET
    last_interaction_between: TimeRange | None = UNSET
    last_contacted_between: TimeRange | None = UNSET
    portfolio: PortfolioChoice | None = strawberry.field(
        default=UNSET, description="As the list's portfolio argument (use one or the other)."
    )
    seller_id: strawberry.ID | None = UNSET
    team_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Customers attached to any of these teams."
    )
    has_open_tasks: bool | None = UNSET
    custom_fields: list[CustomFieldCondition] | None = strawberry.field(
        default=UNSET,
        description="Conditions on custom fields (not archived ones). Phone and email fields cannot be filtered "
        "on when contact data is hidden from you.",
    )


# Where a filter names records, by global id type.
FILTER_IDS = {("tags", "anyOf"): "Tag", ("tags", "allOf"): "Tag", ("tags", "noneOf"): "Tag", ("teamIds",): "Team"}


def filter_from_api(data: dict[str, Any]) -> dict[str, Any]:
    """The filter with global ids turned into uuids (text), as resolvers and saved filters keep it."""
    out = {**data}
    if isinstance(out.get("tags"), dict):
        out["tags"] = {**out["tags"]}
    for path, type_name in FILTER_IDS.items():
        holder = out if len(path) == 1 else out.get(path[0])
        key = path[-1]
        if not isinstance(holder, dict) or not holder.get(key):
            continue
        values = []
        for i, value in enumerate(holder[key]):
            pk = parse_id(value, type_name)
            if pk is None:
                raise InvalidInput.one(
                    f"filter.{'.'.join(path)}[{i}]", FieldErrorCode.INVALID, f"is not {a_kind(type_name)} id"
                )
            values.append(str(pk))
        holder[key] = values
    if out.get("sellerId"):
        seller = parse_id(out["sellerId"], "User")
        if seller is None:
            raise InvalidInput.one("filter.sellerId", FieldErrorCode.INVALID, "is not a user id")
        out["sellerId"] = str(seller)
    return out


def filter_to_api(data: dict[str, Any]) -> dict[str, Any]:
    """A stored filter with its uuids turned back into the global ids clients use."""
    out = {**data}
    if isinstance(out.get("tags"), dict):
        out["tags"] = {**out["tags"]}
    for path, type_name in FILTER_IDS.items():
        holder = out if len(path) == 1 else out.get(path[0])
        key = path[-1]
        if isinstance(holder, dict) and holder.get(key):
            holder[key] = [to_global_id(type_name, UUID(v)) for v in holder[key]]
    if out.get("sellerId"):
        out["sellerId"] = to_global_id("User", UUID(out["sellerId"]))
    return out


@strawberry.input
class TagsInput:
    customer_id: strawberry.ID
    tags: list[str]


@strawberry.type
class CreateCustomerSuccess:
    customer: Customer | None
    outcome: CustomerOutcome = strawberry.field(
        description="CREATED, or MERGED/UPDATED when onDuplicate folded the input into an existing customer."
    )


@strawberry.type
class UpdateCustomerSuccess:
    customer: Customer | None


@strawberry.type
class TagsChanged:
    customer: Customer | None


CreateCustomerResult = Annotated[
    CreateCustomerSuccess | ValidationFailed | DuplicateCustomer, strawberry.union("CreateCustomerResult")
]
UpdateCustomerResult = Annotated[
    UpdateCustomerSuccess | ValidationFailed | NotFound | VersionConflict | DuplicateCustomer,
    strawberry.union("UpdateCustomerResult"),
]
TagsResult = Annotated[TagsChanged | ValidationFailed | NotFound, strawberry.union("TagsResult")]


def customer_pk(value: str, field: str = "id") -> Any:
    pk = parse_id(value, "Customer")
    if pk is None:
        raise NotFoundError("Customer", value)
    return pk


def _owner_ref(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("ownerId") is not None:
        owner = parse_id(data["ownerId"], "User")
        if owner is None:
            raise InvalidInput.one("ownerId", FieldErrorCode.UNKNOWN, "is not a user id")
        data["ownerId"] = owner
    return data


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


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(extensions=requires(P.CUSTOMER_CREATE))
    @returns_errors
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CreateCustomerResult | None:
        data = _owner_ref(provided(input))
        mode = OnDuplicate(data.pop("onDuplicate", None) or OnDuplicate.BLOCK)
        row, outcome = await customer_ops.create_customer(info.context.access, data, mode)
        return CreateCustomerSuccess(customer=Customer.from_row(row, info.context.contact_hidden), outcome=outcome)

    @strawberry.mutation(extensions=requires(P.CUSTOMER_UPDATE))
    @returns_errors
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> UpdateCustomerResult | None:
        data = _owner_ref(provided(input))
        pk = customer_pk(data.pop("id"))
        expected = data.pop("expectedVersion", None)
        row = await customer_ops.update_customer(info.context.access, pk, data, expected)
        return UpdateCustomerSuccess(customer=Customer.from_row(row, info.context.contact_hidden))

    @strawberry.mutation(extensions=requires(P.CUSTOMER_TAG), description="Add tags, creating new ones by name.")
    @returns_errors
    async def add_tags(self, info: Info, input: TagsInput) -> TagsResult | None:
        row = await customer_ops.change_tags(info.context.access, customer_pk(input.customer_id), add=input.tags)
        return TagsChanged(customer=Customer.from_row(row, info.context.contact_hidden))

    @strawberry.mutation(extensions=requires(P.CUSTOMER_TAG))
    @returns_errors
    async def remove_tags(self, info: Info, input: TagsInput) -> TagsResult | None:
        row = await customer_ops.change_tags(info.context.access, customer_pk(input.customer_id), remove=input.tags)
        return TagsChanged(customer=Customer.from_row(row, info.context.contact_hidden))
