"""A pending request to delete customers, waiting for its confirmation code."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwned


class CustomerDeletionRequest(TenantOwned):
    """Which customers an admin asked to delete, and the code (hashed) that confirms it.

    The row is removed when the deletion is confirmed; a dead one (expired or out of tries) is
    removed by the purge of any customer it names, so no row keeps a purged customer's id.
    """

    requested_by: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    customer_ids: fields.JSONField[list[str]] = fields.JSONField()
    code_hash = fields.CharField(max_length=200)
    expires_at = fields.DatetimeField()
    tries_left = fields.IntField()

    class Meta:
        table = "customer_deletion_request"
