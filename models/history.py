from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields.db_defaults import SqlDefault

from models.base import TenantOwned
from models.descriptors import Column, Entity, ToOne, register


class CustomerEvent(TenantOwned):
    """One entry of a customer's history: who changed what, and when."""

    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    kind = fields.CharField(max_length=32)
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    actor_api_key: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.ApiKey", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    actor_name = fields.CharField(max_length=200, default="", db_default="")
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"))

    class Meta:
        table = "customer_event"


HISTORY_ENTRY = register(
    Entity(
        "HistoryEntry",
        "customer_event",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column(None, "customer_id", "uuid", nullable=False),
            Column(None, "kind", "string", nullable=False),
            Column(None, "actor_id", "uuid"),
            Column(None, "actor_api_key_id", "uuid"),
            Column("actorName", "actor_name", "string", nullable=False),
            Column(None, "data", "json", nullable=False),
            Column("at", "created_at", "datetime", nullable=False),
        ),
        (ToOne("actor", "User", "actor_id"),),
    )
)
