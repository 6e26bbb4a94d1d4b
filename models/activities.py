"""What happens around a customer: notes, tasks, appointments and purchases."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.fields.db_defaults import Now

from models.base import TenantOwned


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
