from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields.db_defaults import Now, SqlDefault

from models.base import TenantOwned
from models.descriptors import Column, Entity, ToOne, register


class SavedFilter(TenantOwned):
    """A named customer list: filter, search and order. Personal unless shared with the company."""

    owner: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    name = fields.CharField(max_length=120)
    conditions: fields.JSONField[dict[str, Any]] = fields.JSONField(
        default=dict, db_default=SqlDefault("'{}'::jsonb")
    )  # the list filter
    search = fields.CharField(max_length=200, null=True)
    sort: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    shared = fields.BooleanField(default=False, db_default=False)
    # Names of the tags and teams the filter refers to, as they were when it was saved: a later
    # deletion can then be reported by name.
    labels: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"))
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())

    class Meta:
        table = "saved_filter"
        unique_together = (("tenant", "owner", "name"),)


SAVED_FILTER = register(
    Entity(
        "SavedFilter",
        "saved_filter",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column(None, "owner_id", "uuid", nullable=False),
            Column("name", "name", "string", nullable=False),
            Column(None, "conditions", "json", nullable=False),
            Column("search", "search", "string"),
            Column(None, "sort", "json"),
            Column("shared", "shared", "bool", nullable=False),
            Column(None, "labels", "json", nullable=False),
            Column("createdAt", "created_at", "datetime", nullable=False),
            Column("updatedAt", "updated_at", "datetime", nullable=False),
        ),
        (ToOne("owner", "User", "owner_id"),),
    )
)
