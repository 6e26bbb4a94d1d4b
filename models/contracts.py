"""Contracts a company holds with a customer (what keeps a customer from being inactivated)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.fields.db_defaults import Now

from models.base import TenantOwned
from models.descriptors import Column, Entity, ToOne, register


class ContractStatus(StrEnum):
    ACTIVE = "active"
    PENDING_ADJUSTMENT = "pending_adjustment"  # running, but its terms are being renegotiated
    ENDED = "ended"


class Contract(TenantOwned):
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    title = fields.CharField(max_length=200)
    status = fields.CharEnumField(ContractStatus, max_length=20, default=ContractStatus.ACTIVE, db_default="active")
    starts_on = fields.DateField()
    ends_on = fields.DateField(null=True)
    value = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    notes = fields.TextField(default="", db_default="")
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())
    ended_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "contract"


CONTRACT = register(
    Entity(
        "Contract",
        "contract",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column(None, "customer_id", "uuid", nullable=False),
            Column("title", "title", "string", nullable=False),
            Column("status", "status", "enum", nullable=False, enum=ContractStatus),
            Column("startsOn", "starts_on", "date", nullable=False),
            Column("endsOn", "ends_on", "date"),
            Column("value", "value", "decimal"),
            Column("notes", "notes", "string", nullable=False),
            Column(None, "created_by_id", "uuid"),
            Column("createdAt", "created_at", "datetime", nullable=False),
            Column("updatedAt", "updated_at", "datetime", nullable=False),
            Column("endedAt", "ended_at", "datetime"),
            Column("version", "version", "int", nullable=False),
        ),
        (ToOne("customer", "Customer", "customer_id"), ToOne("createdBy", "User", "created_by_id")),
    )
)
