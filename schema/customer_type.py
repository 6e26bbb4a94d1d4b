"""The Customer type: its fields, and the records around it that a profile shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from authz.masking import mask_row
from models import CustomerStatus as ModelCustomerStatus
from models import OriginChannel as ModelOriginChannel
from models import TaskStatus as ModelTaskStatus
from models.customers import CUSTOMER
from resolvers import appointments as appointment_ops
from resolvers import billing_parent as billing_ops
from resolvers import contracts as contract_ops
from resolvers import conversations as conversation_ops
from resolvers import notes as note_ops
from resolvers import purchases as purchase_ops
from resolvers import tasks as task_ops
from resolvers import timeline as timeline_ops
from resolvers.children import ChildPage
from resolvers.timeline import TimelineKind as ModelTimelineKind
from schema.appointments import Appointment
from schema.context import Info
from schema.contracts import Contract
from schema.conversations import Conversation
from schema.custom_values import CustomFieldValue, custom_field_values
from schema.external_ids import ExternalId
from schema.node import Node
from schema.notes import Note
from schema.pagination import Connection, build_connection, paged
from schema.purchases import Purchase
from schema.refs import load_user
from schema.row_values import row_values
from schema.tags import Tag
from schema.tasks import Task, TaskStatus
from schema.teams import Team
from schema.timeline import TimelineKind, timeline_items
from schema.users import User

if TYPE_CHECKING:
    from schema.timeline import TimelineItem

CustomerStatus = strawberry.enum(ModelCustomerStatus, name="CustomerStatus")
OriginChannel = strawberry.enum(ModelOriginChannel, name="OriginChannel", description="Where a customer came from.")

# Open tasks a customer shows at most (openTasks).
OPEN_TASKS = 100


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
    _billing_parent_id: strawberry.Private[Any] = None

    @classmethod
    def from_row(cls, row: dict[str, Any], hidden: bool) -> Customer:
        """The only way a customer row becomes API data: contact rules are applied here."""
        if hidden:
            row = mask_row(row)
        return cls(
            **row_values(CUSTOMER, cls, row, groups={"address": Address}),
            contact_hidden=hidden,
            _pk=row["id"],
            _owner_id=row["owner_id"],
            _custom_fields=row["custom_fields"] or {},
            _billing_parent_id=row.get("billing_parent_id"),
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
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self._owner_id)

    @strawberry.field
    async def tags(self, info: Info) -> list[Tag]:
        return [Tag.from_row(r) for r in await info.context.loaders.tags.load(self._pk)]

    @strawberry.field(name="externalIds", description="The customer's ids in other systems, by source then id.")
    async def external_ids(self, info: Info) -> list[ExternalId]:
        return [ExternalId.from_row(r) for r in await info.context.loaders.external_ids.load(self._pk)]

    # --- the profile: records around the customer (they refer back to it lazily, see schema/refs.py) --

    @strawberry.field(description="Internal notes, newest first.", extensions=paged())
    async def notes(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[Note] | None:
        page = await info.context.loaders.pages(note_ops.NOTES).load((self._pk, first, after))
        return _child_connection(
            page, Note.from_row, lambda: info.context.loaders.counts(note_ops.NOTES).load((self._pk,))
        )

    @strawberry.field
    async def last_note(self, info: Info) -> Note | None:
        row = await info.context.loaders.last_note.load(self._pk)
        return Note.from_row(row) if row else None

    @strawberry.field(description="Tasks, soonest due first; all statuses unless one is given.", extensions=paged())
    async def tasks(
        self,
        info: Info,
        status: TaskStatus | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Task] | None:
        key = (self._pk, status, first, after)
        page = await info.context.loaders.pages(task_ops.TASKS).load(key)
        return _child_connection(
            page, Task.from_row, lambda: info.context.loaders.counts(task_ops.TASKS).load((self._pk, status))
        )

    @strawberry.field(description="Open tasks (up to 100), soonest due first.")
    async def open_tasks(self, info: Info) -> list[Task]:
        page = await info.context.loaders.pages(task_ops.TASKS).load((self._pk, ModelTaskStatus.OPEN, OPEN_TASKS, None))
        return [Task.from_row(r) for r in page.rows]

    @strawberry.field(description="Conversations, the most recently active first.", extensions=paged())
    async def conversations(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Conversation] | None:
        page = await info.context.loaders.pages(conversation_ops.CONVERSATIONS).load((self._pk, first, after))
        return _child_connection(
            page,
            Conversation.from_row,
            lambda: info.context.loaders.counts(conversation_ops.CONVERSATIONS).load((self._pk,)),
        )

    @strawberry.field(description="The most recently active conversation.")
    async def last_conversation(self, info: Info) -> Conversation | None:
        page = await info.context.loaders.pages(conversation_ops.CONVERSATIONS).load((self._pk, 1, None))
        return Conversation.from_row(page.rows[0]) if page.rows else None

    @strawberry.field(description="Appointments, the latest start first.", extensions=paged())
    async def appointments(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Appointment] | None:
        page = await info.context.loaders.pages(appointment_ops.APPOINTMENTS).load((self._pk, first, after))
        return _child_connection(
            page,
            Appointment.from_row,
            lambda: info.context.loaders.counts(appointment_ops.APPOINTMENTS).load((self._pk,)),
        )

    @strawberry.field(description="Purchases, the latest first.", extensions=paged())
    async def purchases(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Purchase] | None:
        page = await info.context.loaders.pages(purchase_ops.PURCHASES).load((self._pk, first, after))
        return _child_connection(
            page, Purchase.from_row, lambda: info.context.loaders.counts(purchase_ops.PURCHASES).load((self._pk,))
        )

    @strawberry.field(description="Contracts, the newest first.", extensions=paged())
    async def contracts(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Contract] | None:
        page = await info.context.loaders.pages(contract_ops.CONTRACTS).load((self._pk, first, after))
        return _child_connection(
            page, Contract.from_row, lambda: info.context.loaders.counts(contract_ops.CONTRACTS).load((self._pk,))
        )

    @strawberry.field(description="The customer billed instead of this one (a head office), if any you may see.")
    async def billing_parent(self, info: Info) -> Customer | None:
        if self._billing_parent_id is None:
            return None
        row = await info.context.loaders.customers.load(self._billing_parent_id)
        return Customer.from_row(row, info.context.contact_hidden) if row else None

    @strawberry.field(
        description="Customers billed to this one (naming it as billingParent), newest first.", extensions=paged()
    )
    async def billed_customers(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Customer] | None:
        page = await info.context.loaders.pages(billing_ops.BILLED).load((self._pk, first, after))
        hidden = info.context.contact_hidden
        return _child_connection(
            page,
            lambda row: Customer.from_row(row, hidden),
            lambda: info.context.loaders.counts(billing_ops.BILLED).load((self._pk,)),
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
        kinds: list[TimelineKind] | None = None,
    ) -> Connection[Annotated[TimelineItem, strawberry.lazy("schema.timeline")]] | None:
        # TimelineItem is reached through strawberry.lazy, not imported, so that the connection keeps
        # its published name (AnnotatedConnection).
        # One loader key per distinct selection of kinds, whatever order they were asked in.
        chosen = tuple(sorted(set(kinds), key=list(ModelTimelineKind).index)) if kinds else None
        hidden = info.context.contact_hidden
        page = await info.context.loaders.pages(timeline_ops.TIMELINE).load((self._pk, chosen, hidden, first, after))
        items = await timeline_items(info, page.rows)
        kept = [(item, cursor) for item, cursor in zip(items, page.cursors, strict=True) if item is not None]
        return build_connection(
            [item for item, _ in kept],
            [cursor for _, cursor in kept],
            has_next=page.has_next,
            has_previous=page.has_previous,
            total_count=lambda: info.context.loaders.counts(timeline_ops.TIMELINE).load((self._pk, chosen, hidden)),
        )

    @strawberry.field(description="Teams the customer is attached to; their members may see it.")
    async def teams(self, info: Info) -> list[Team]:
        return [Team.from_row(r) for r in await info.context.loaders.customer_teams.load(self._pk)]


def _child_connection(page: ChildPage, build: Callable[[dict[str, Any]], Any], count: Callable[[], Any]) -> Any:
    return build_connection(
        [build(r) for r in page.rows],
        page.cursors,
        has_next=page.has_next,
        has_previous=page.has_previous,
        total_count=count,
    )
