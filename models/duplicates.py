from __future__ import annotations

from typing import Any

from tortoise import fields

from models.base import TenantOwned
from models.descriptors import Column, Entity, ToOne, register


class ContactKey(TenantOwned):
    """A normalized contact value of a customer, for race-free duplicate detection.

    ``kind`` is ``email`` or ``phone`` (phone and WhatsApp numbers share one key space). A
    partial unique index on (tenant_id, kind, value) WHERE exclusive lets the database decide
    that two customers share a key; rows written while a tenant allows duplicates are not
    exclusive, so they never block.
    """

    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    kind = fields.CharField(max_length=8)
    value = fields.CharField(max_length=254)
    exclusive = fields.BooleanField(default=True, db_default=True)

    class Meta:
        table = "customer_contact_key"
        unique_together = (("tenant", "customer", "kind", "value"),)


class CustomerMerge(TenantOwned):
    """A merge, with what undoing it needs: the rows as they were and what moved where."""

    primary: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    duplicate_ids: fields.JSONField[list[str]] = fields.JSONField()
    performed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    primary_version_after = fields.IntField()
    snapshot: fields.JSONField[dict[str, Any]] = fields.JSONField()
    undone_at = fields.DatetimeField(null=True)
    undone_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )

    class Meta:
        table = "customer_merge"


MERGE = register(
    Entity(
        "Merge",
        "customer_merge",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column(None, "primary_id", "uuid", nullable=False),
            Column(None, "duplicate_ids", "json", nullable=False),
            Column(None, "performed_by_id", "uuid"),
            Column("performedAt", "created_at", "datetime", nullable=False),
            Column("undoneAt", "undone_at", "datetime"),
            Column(None, "snapshot", "json", nullable=False),
        ),
        (ToOne("performedBy", "User", "performed_by_id"),),
    )
)
