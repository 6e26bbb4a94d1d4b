"""Shared column shapes for tenant-owned tables."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from tortoise import fields
from tortoise.fields.db_defaults import Now, SqlDefault
from tortoise.models import Model


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    SELLER = "seller"


class TenantOwned(Model):
    """Every tenant-owned row carries ``tenant_id`` and a UUID id."""

    # Database defaults too, so bulk loads (COPY, INSERT ... SELECT) need not invent them.
    id = fields.UUIDField(primary_key=True, db_default=SqlDefault("gen_random_uuid()"))
    tenant: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Tenant", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    tenant_id: UUID  # the column behind ``tenant``, set by Tortoise
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        abstract = True
