from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.fields.db_defaults import Now, SqlDefault

from models.base import TenantOwned
from models.descriptors import Column, Entity, register


class CustomFieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    DECIMAL = "decimal"
    DATE = "date"
    BOOLEAN = "boolean"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    URL = "url"
    EMAIL = "email"
    PHONE = "phone"


class CustomField(TenantOwned):
    """A field an admin defined for the tenant's customers; values live in ``customer.custom_fields``
    under ``key``. The key and the type never change, so stored values always match the type."""

    key = fields.CharField(max_length=63)
    label = fields.CharField(max_length=200)
    type = fields.CharEnumField(CustomFieldType, max_length=16)
    options: fields.JSONField[list[str]] = fields.JSONField(
        default=list, db_default=SqlDefault("'[]'::jsonb")
    )  # select types only
    required = fields.BooleanField(default=False, db_default=False)
    position = fields.IntField(default=0, db_default=0)
    archived = fields.BooleanField(default=False, db_default=False)
    version = fields.IntField(default=1, db_default=1)
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())

    class Meta:
        table = "custom_field"
        unique_together = (("tenant", "key"),)


CUSTOM_FIELD = register(
    Entity(
        "CustomField",
        "custom_field",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column("key", "key", "string", nullable=False),
            Column("label", "label", "string", nullable=False),
            Column("type", "type", "enum", nullable=False, enum=CustomFieldType),
            Column(None, "options", "json", nullable=False),  # shown as a list, [] when unset
            Column("required", "required", "bool", nullable=False),
            Column("position", "position", "int", nullable=False),
            Column("archived", "archived", "bool", nullable=False),
            Column("version", "version", "int", nullable=False),
            Column("createdAt", "created_at", "datetime", nullable=False),
            Column("updatedAt", "updated_at", "datetime", nullable=False),
        ),
    )
)
