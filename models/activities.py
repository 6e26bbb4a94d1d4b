"""What happens around a customer: notes, tasks, appointments and purchases."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.fields.db_defaults import Now

from models.base import TenantOwned
from models.descriptors import Column, Entity, ToOne, register


class TaskPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELED = "canceled"


class Note(TenantOwned):
    """Internal to the company: never shown to the customer."""

    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    author: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    author_name = fields.CharField(max_length=200, default="", db_default="")
    body = fields.TextField()
    edited_at = fields.DatetimeField(null=True)

    class Meta:
        table = "note"


class Task(TenantOwned):
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="", db_default="")
    due_at = fields.DatetimeField(null=True)
    responsible: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    priority = fields.CharEnumField(TaskPriority, max_length=8, default=TaskPriority.NORMAL, db_default="normal")
    status = fields.CharEnumField(TaskStatus, max_length=8, default=TaskStatus.OPEN, db_default="open")
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    completed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())

    class Meta:
        table = "task"


class Appointment(TenantOwned):
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    title = fields.CharField(max_length=200)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # The company's side of the meeting; the customer is the other side.
    with_user: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    location = fields.CharField(max_length=200, default="", db_default="")
    notes = fields.TextField(default="", db_default="")
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )

    class Meta:
        table = "appointment"


class Purchase(TenantOwned):
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    currency = fields.CharField(max_length=3)
    description = fields.CharField(max_length=500, default="", db_default="")
    occurred_at = fields.DatetimeField()
    # The id in the e-commerce or ERP that sent it: syncing the same purchase twice stores it once.
    external_id = fields.CharField(max_length=120, null=True)
    source = fields.CharField(max_length=60, default="", db_default="")

    class Meta:
        table = "purchase"


def _customer_child(name: str, table: str, columns: tuple[Column, ...], *relations: ToOne) -> Entity:
    """A record on a customer: id, tenant and customer first, then its own columns."""
    head = (
        Column("id", "id", "id", nullable=False),
        Column(None, "tenant_id", "uuid", nullable=False),
        Column(None, "customer_id", "uuid", nullable=False),
    )
    return register(Entity(name, table, head + columns, (*relations, ToOne("customer", "Customer", "customer_id"))))


NOTE = _customer_child(
    "Note",
    "note",
    (
        Column(None, "author_id", "uuid"),
        Column("authorName", "author_name", "string", nullable=False),
        Column("body", "body", "string", nullable=False),
        Column("createdAt", "created_at", "datetime", nullable=False),
        Column("editedAt", "edited_at", "datetime"),
    ),
    ToOne("author", "User", "author_id"),
)
TASK = _customer_child(
    "Task",
    "task",
    (
        Column("title", "title", "string", nullable=False),
        Column("description", "description", "string", nullable=False),
        Column("dueAt", "due_at", "datetime"),
        Column(None, "responsible_id", "uuid"),
        Column("priority", "priority", "enum", nullable=False, enum=TaskPriority),
        Column("status", "status", "enum", nullable=False, enum=TaskStatus),
        Column(None, "created_by_id", "uuid"),
        Column("completedAt", "completed_at", "datetime"),
        Column("createdAt", "created_at", "datetime", nullable=False),
        Column("updatedAt", "updated_at", "datetime", nullable=False),
    ),
    ToOne("responsible", "User", "responsible_id"),
    ToOne("createdBy", "User", "created_by_id"),
)
APPOINTMENT = _customer_child(
    "Appointment",
    "appointment",
    (
        Column("title", "title", "string", nullable=False),
        Column("startsAt", "starts_at", "datetime", nullable=False),
        Column("endsAt", "ends_at", "datetime", nullable=False),
        Column(None, "with_user_id", "uuid"),
        Column("location", "location", "string", nullable=False),
        Column("notes", "notes", "string", nullable=False),
        Column("createdAt", "created_at", "datetime", nullable=False),
        Column(None, "created_by_id", "uuid"),
    ),
    ToOne("withUser", "User", "with_user_id"),
)
PURCHASE = _customer_child(
    "Purchase",
    "purchase",
    (
        Column("amount", "amount", "decimal", nullable=False),
        Column("currency", "currency", "string", nullable=False),
        Column("description", "description", "string", nullable=False),
        Column("occurredAt", "occurred_at", "datetime", nullable=False),
        Column("externalId", "external_id", "string"),
        Column("source", "source", "string", nullable=False),
        Column(None, "created_at", "datetime", nullable=False),
    ),
)
