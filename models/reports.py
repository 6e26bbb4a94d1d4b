"""Report templates: a named report definition, personal unless shared with the company."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields.db_defaults import Now, SqlDefault

from models.base import TenantOwned
from models.descriptors import Column, Entity, ToOne, register


class ReportTemplate(TenantOwned):
    """A saved report: its source, groupings, total, subdivision and synonym map (``definition``)."""

    owner: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    name = fields.CharField(max_length=120)
    shared = fields.BooleanField(default=False, db_default=False)
    definition: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"))
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())

    class Meta:
        table = "report_template"
        unique_together = (("tenant", "owner", "name"),)


REPORT_TEMPLATE = register(
    Entity(
        "ReportTemplate",
        "report_template",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column(None, "owner_id", "uuid", nullable=False),
            Column("name", "name", "string", nullable=False),
            Column("shared", "shared", "bool", nullable=False),
            Column(None, "definition", "json", nullable=False),
            Column("createdAt", "created_at", "datetime", nullable=False),
            Column("updatedAt", "updated_at", "datetime", nullable=False),
        ),
        (ToOne("owner", "User", "owner_id"),),
    )
)
