"""Notes, tasks, appointments and purchases on a customer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from models import TaskPriority as ModelTaskPriority
from models import TaskStatus as ModelTaskStatus
from resolvers import appointments as appointment_ops
from resolvers import notes as note_ops
from resolvers import purchases as purchase_ops
from resolvers import tasks as task_ops
from resolvers.errors import FieldErrorCode
from resolvers.errors import NotFound as Missing
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.kinds import a_kind
from schema.context import Info
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.inputs import provided
from schema.node import Node, parse_id, to_global_id
from schema.pagination import Connection, build_connection, paged
from schema.permissions import requires
from schema.users import User

if TYPE_CHECKING:
    from schema.customers import Customer

TaskPriority = strawberry.enum(ModelTaskPriority, name="TaskPriority")
TaskStatus = strawberry.enum(ModelTaskStatus, name="TaskStatus")
CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]


def pk_of(value: str, type_name: str, field: str | None = None) -> Any:
    """The uuid behind a global id; a bad id is NotFound (or ValidationFailed naming ``field``)."""
    pk = parse_id(value, type_name)
    if pk is None:
        if field:
            raise InvalidInput.one(field, FieldErrorCode.INVALID, f"is not {a_kind(type_name)} id")
        raise Missing(type_name, value)
    return pk


async def load_user(info: Info, pk: Any) -> User | None:
    if pk is None:
        return None
    row = await info.context.loaders.users.load(pk)
    return User.from_row(row) if row else None


def user_of(info: Info, pk: Any, users: dict[Any, Any] | None) -> Any:
    """The user ``pk``: at once from ``users`` (fetched with the page), else through the loader."""
    if pk is None:
        return None
    if users is not None and pk in users:
        return User.from_row(users[pk])
    return load_user(info, pk)


async def load_customer(info: Info, pk: Any) -> Customer | None:
    from schema.customers import Customer

    row = await info.context.loaders.customers.load(pk)
    return Customer.from_row(row, info.context.contact_hidden) if row else None


@strawberry.type(description="An internal note; never shown to the customer.")
class Note(Node):
    body: str
    author_name: str
    created_at: datetime
    edited_at: datetime | None
    _author: strawberry.Private[Any]
    _customer: strawberry.Private[Any]
    _users: strawberry.Private[dict[Any, Any] | None] = None

    @classmethod
    def from_row(cls, row: dict[str, Any], users: dict[Any, Any] | None = None) -> Note:
        return cls(
            id=to_global_id("Note", row["id"]),
            body=row["body"],
            author_name=row["author_name"],
            created_at=row["created_at"],
            edited_at=row["edited_at"],
            _author=row["author_id"],
            _customer=row["customer_id"],
            _users=users,
        )

    @strawberry.field
    def author(self, info: Info) -> User | None:
        return user_of(info, self._author, self._users)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


@strawberry.type
class Task(Node):
    title: str
    description: str
    due_at: datetime | None
    priority: TaskPriority
    status: TaskStatus
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    _responsible: strawberry.Private[Any]
    _created_by: strawberry.Private[Any]
    _customer: strawberry.Private[Any]
    _users: strawberry.Private[dict[Any, Any] | None] = None

    @classmethod
    def from_row(cls, row: dict[str, Any], users: dict[Any, Any] | None = None) -> Task:
        return cls(
            id=to_global_id("Task", row["id"]),
            title=row["title"],
            description=row["description"],
            due_at=row["due_at"],
            priority=ModelTaskPriority(row["priority"]),
            status=ModelTaskStatus(row["status"]),
            completed_at=row["completed_at"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            _responsible=row["responsible_id"],
            _created_by=row["created_by_id"],
            _customer=row["customer_id"],
            _users=users,
        )

    @strawberry.field(description="Open and past its due time.")
    def overdue(self) -> bool:
        return self.status == ModelTaskStatus.OPEN and self.due_at is not None and self.due_at < datetime.now(UTC)

    @strawberry.field
    def responsible(self, info: Info) -> User | None:
        return user_of(info, self._responsible, self._users)

    @strawberry.field
    def created_by(self, info: Info) -> User | None:
        return user_of(info, self._created_by, self._users)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


@strawberry.type
class Appointment(Node):
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    notes: str
    created_at: datetime
    _with: strawberry.Private[Any]
    _customer: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Appointment:
        return cls(
            id=to_global_id("Appointment", row["id"]),
            title=row["title"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            location=row["location"],
            notes=row["notes"],
            created_at=row["created_at"],
            _with=row["with_user_id"],
            _customer=row["customer_id"],
        )

    @strawberry.field(description="Who from the company meets the customer.")
    async def with_user(self, info: Info) -> User | None:
        return await load_user(info, self._with)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


@strawberry.type
class Purchase(Node):
    amount: Decimal = strawberry.field(description="Exact, as a decimal string.")
    currency: str = strawberry.field(description="ISO 4217, e.g. BRL.")
    description: str
    occurred_at: datetime
    external_id: str | None = strawberry.field(description="The id in the shop or ERP that sent it.")
    source: str
    _customer: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Purchase:
        return cls(
            id=to_global_id("Purchase", row["id"]),
            amount=row["amount"],
            currency=row["currency"],
            description=row["description"],
            occurred_at=row["occurred_at"],
            external_id=row["external_id"],
            source=row["source"],
            _customer=row["customer_id"],
        )

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


# --- inputs and results -------------------------------------------------------------------------


@strawberry.input
class AddNoteInput:
    customer_id: strawberry.ID
    body: str


@strawberry.input
class EditNoteInput:
    id: strawberry.ID
    body: str


@strawberry.input
class DeleteInput:
    id: strawberry.ID


@strawberry.input
class CreateTaskInput:
    customer_id: strawberry.ID
    title: str
    description: str | None = UNSET
    due_at: datetime | None = UNSET
    responsible_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Defaults to you.")
    priority: TaskPriority | None = UNSET


@strawberry.input
class UpdateTaskInput:
    id: strawberry.ID
    title: str | None = UNSET
    description: str | None = UNSET
    due_at: datetime | None = UNSET
    responsible_id: strawberry.ID | None = UNSET
    priority: TaskPriority | None = UNSET
    status: TaskStatus | None = strawberry.field(
        default=UNSET, description="DONE sets completedAt; back to OPEN clears it."
    )


@strawberry.input
class ScheduleAppointmentInput:
    customer_id: strawberry.ID
    title: str
    starts_at: datetime
    ends_at: datetime
    with_user_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Defaults to you.")
    location: str | None = UNSET
    notes: str | None = UNSET


@strawberry.input
class RescheduleAppointmentInput:
    id: strawberry.ID
    title: str | None = UNSET
    starts_at: datetime | None = UNSET
    ends_at: datetime | None = UNSET
    with_user_id: strawberry.ID | None = UNSET
    location: str | None = UNSET
    notes: str | None = UNSET


@strawberry.input
class RecordPurchaseInput:
    customer_id: strawberry.ID
    amount: Decimal
    currency: str
    occurred_at: datetime
    description: str | None = UNSET
    external_id: str | None = strawberry.field(
        default=UNSET,
        description="Sending the same externalId again updates that purchase instead of adding one. Unique "
        "across the company, so only callers who may read every customer send one (else NOT_ALLOWED).",
    )
    source: str | None = UNSET


@strawberry.type
class NoteSuccess:
    note: Note | None


@strawberry.type
class DeleteSuccess:
    deleted_id: strawberry.ID


@strawberry.type
class TaskSuccess:
    task: Task | None


@strawberry.type
class AppointmentSuccess:
    appointment: Appointment | None


@strawberry.type
class PurchaseSuccess:
    purchase: Purchase | None
    created: bool = strawberry.field(description="False when an existing purchase with this externalId was updated.")


NoteResult = Annotated[NoteSuccess | ValidationFailed | NotFound, strawberry.union("NoteResult")]
DeleteResult = Annotated[DeleteSuccess | NotFound, strawberry.union("DeleteResult")]
TaskResult = Annotated[TaskSuccess | ValidationFailed | NotFound, strawberry.union("TaskResult")]
AppointmentResult = Annotated[AppointmentSuccess | ValidationFailed | NotFound, strawberry.union("AppointmentResult")]
PurchaseResult = Annotated[PurchaseSuccess | ValidationFailed | NotFound, strawberry.union("PurchaseResult")]


def _refs(data: dict[str, Any], **fields: str) -> dict[str, Any]:
    """Replace global ids in ``data`` (by field name) with uuids; null stays null."""
    for field, type_name in fields.items():
        if data.get(field) is not None:
            data[field] = pk_of(data[field], type_name, field)
    return data


@strawberry.type
class ActivityQuery:
    @strawberry.field(
        extensions=[*paged(), *requires(P.CUSTOMER_READ)],
        description="Tasks you are responsible for, on customers you may see, soonest due first.",
    )
    async def my_tasks(
        self,
        info: Info,
        status: TaskStatus | None = ModelTaskStatus.OPEN,
        due_before: datetime | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Task]:
        rows, cursors, has_next, total_count = await task_ops.my_tasks(
            info.context.access, status=status, due_before=due_before, first=first, after=after
        )
        return build_connection(
            [Task.from_row(r) for r in rows],
            cursors,
            has_next=has_next,
            has_previous=after is not None,
            total_count=total_count,
        )


@strawberry.type
class ActivityMutation:
    @strawberry.mutation(extensions=requires(P.NOTE_WRITE), description="Add an internal note to a customer.")
    @returns_errors
    async def add_note(self, info: Info, input: AddNoteInput) -> NoteResult | None:
        row = await note_ops.add_note(info.context.access, pk_of(input.customer_id, "Customer"), input.body)
        return NoteSuccess(note=Note.from_row(row))

    @strawberry.mutation(extensions=requires(P.NOTE_WRITE), description="Edit a note (its author, or a moderator).")
    @returns_errors
    async def edit_note(self, info: Info, input: EditNoteInput) -> NoteResult | None:
        row = await note_ops.edit_note(info.context.access, pk_of(input.id, "Note"), input.body)
        return NoteSuccess(note=Note.from_row(row))

    @strawberry.mutation(extensions=requires(P.NOTE_WRITE), description="Delete a note (its author, or a moderator).")
    @returns_errors
    async def delete_note(self, info: Info, input: DeleteInput) -> DeleteResult | None:
        await note_ops.delete_note(info.context.access, pk_of(input.id, "Note"))
        return DeleteSuccess(deleted_id=input.id)

    @strawberry.mutation(extensions=requires(P.TASK_WRITE))
    @returns_errors
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskResult | None:
        data = _refs(provided(input), responsibleId="User")
        row = await task_ops.create_task(info.context.access, pk_of(data.pop("customerId"), "Customer"), data)
        return TaskSuccess(task=Task.from_row(row))

    @strawberry.mutation(extensions=requires(P.TASK_WRITE), description="Edit, complete (DONE) or cancel a task.")
    @returns_errors
    async def update_task(self, info: Info, input: UpdateTaskInput) -> TaskResult | None:
        data = _refs(provided(input), responsibleId="User")
        row = await task_ops.update_task(info.context.access, pk_of(data.pop("id"), "Task"), data)
        return TaskSuccess(task=Task.from_row(row))

    @strawberry.mutation(extensions=requires(P.APPOINTMENT_WRITE))
    @returns_errors
    async def schedule_appointment(self, info: Info, input: ScheduleAppointmentInput) -> AppointmentResult | None:
        data = _refs(provided(input), withUserId="User")
        row = await appointment_ops.schedule(info.context.access, pk_of(data.pop("customerId"), "Customer"), data)
        return AppointmentSuccess(appointment=Appointment.from_row(row))

    @strawberry.mutation(extensions=requires(P.APPOINTMENT_WRITE))
    @returns_errors
    async def reschedule_appointment(self, info: Info, input: RescheduleAppointmentInput) -> AppointmentResult | None:
        data = _refs(provided(input), withUserId="User")
        row = await appointment_ops.reschedule(info.context.access, pk_of(data.pop("id"), "Appointment"), data)
        return AppointmentSuccess(appointment=Appointment.from_row(row))

    @strawberry.mutation(extensions=requires(P.APPOINTMENT_WRITE))
    @returns_errors
    async def cancel_appointment(self, info: Info, input: DeleteInput) -> DeleteResult | None:
        await appointment_ops.cancel(info.context.access, pk_of(input.id, "Appointment"))
        return DeleteSuccess(deleted_id=input.id)

    @strawberry.mutation(extensions=requires(P.PURCHASE_WRITE), description="Record (or re-sync) a purchase.")
    @returns_errors
    async def record_purchase(self, info: Info, input: RecordPurchaseInput) -> PurchaseResult | None:
        data = provided(input)
        row, created = await purchase_ops.record_purchase(
            info.context.access, pk_of(data.pop("customerId"), "Customer"), data
        )
        return PurchaseSuccess(purchase=Purchase.from_row(row), created=created)
