"""The company's audit log: every change made in a company, not only to customers."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.fields.db_defaults import SqlDefault

from models.base import TenantOwned


class AuditEntry(TenantOwned):
    """Who (a user or an API key) did what to which object, with the values before and after.

    ``action`` is ``<object>.<verb>`` (``note.create``, ``customer.export``, ``policy.reload``);
    ``object_type`` is the API's type name (``Note``, ``Export``) and ``object_id`` its row id.
    ``before``/``after`` hold the changed fields as the API names them; ``details`` what else
    describes the change (a filter, a row count). Written in the transaction of the change.
    """

    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    actor_api_key: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.ApiKey", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    actor_name = fields.CharField(max_length=200, default="", db_default="")
    action = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=32)
    object_id = fields.UUIDField(null=True)
    before: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    after: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"))
    # The keys of before/after/details that held contact data when the entry was written: their
    # values are withheld from a reader from whom contact data is hidden (decided when read).
    contact_keys: fields.JSONField[list[str]] = fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"))

    class Meta:
        table = "audit_entry"
