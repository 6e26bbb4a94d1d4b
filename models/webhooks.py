"""Webhooks: the endpoints a company registers, the outbox of events, and every delivery attempt."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.fields.db_defaults import Now, SqlDefault

from models.base import TenantOwned


class WebhookEventType(StrEnum):
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_MERGED = "customer.merged"
    CUSTOMER_UNMERGED = "customer.unmerged"
    CUSTOMER_DELETED = "customer.deleted"
    CUSTOMER_RESTORED = "customer.restored"
    CUSTOMER_STATUS_CHANGED = "customer.status_changed"
    CUSTOMER_OWNER_CHANGED = "customer.owner_changed"
    NOTE_CREATED = "note.created"
    TASK_CREATED = "task.created"
    TASK_COMPLETED = "task.completed"
    IMPORT_FINISHED = "import.finished"


class DispatchStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # retried for the whole retry window, then given up


class Webhook(TenantOwned):
    """An endpoint the company's admins registered. ``secret`` is encrypted (resolvers/webhooks/secrets.py)."""

    url = fields.TextField()
    description = fields.CharField(max_length=500, default="", db_default="")
    events: fields.JSONField[list[str]] = fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"))
    secret = fields.TextField()
    enabled = fields.BooleanField(default=True, db_default=True)
    disabled_at = fields.DatetimeField(null=True)
    disabled_reason = fields.TextField(null=True)
    # When the endpoint last started failing (cleared by a success): 24 h of failures disable it.
    failing_since = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())

    class Meta:
        table = "webhook"


class WebhookEvent(TenantOwned):
    """The transactional outbox: one row per change, written in the change's transaction.

    Only written while an enabled endpoint of the company subscribes to its type. ``order_key``
    (the customer) orders deliveries; ``body`` is the payload, built once, the first time a worker
    sees the event, so every endpoint and every retry sends the same bytes.
    """

    seq = fields.BigIntField(db_default=SqlDefault("nextval('webhook_event_seq')"))
    type = fields.CharField(max_length=40)
    object_type = fields.CharField(max_length=32)
    object_id = fields.UUIDField()
    order_key = fields.UUIDField()
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"))
    body: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    fanned_out = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "webhook_event"


class WebhookDispatch(TenantOwned):
    """One event owed to one endpoint: delivered, failed (given up), or pending with its next try."""

    webhook: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Webhook", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.WebhookEvent", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    seq = fields.BigIntField()
    order_key = fields.UUIDField()
    status = fields.CharEnumField(DispatchStatus, max_length=16, default=DispatchStatus.PENDING, db_default="pending")
    attempts = fields.IntField(default=0, db_default=0)
    next_attempt_at = fields.DatetimeField()
    # A worker holds the dispatch while it sends (no transaction stays open during the request).
    lease_until = fields.DatetimeField(null=True)
    first_failed_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_dispatch"
        unique_together = (("tenant", "webhook", "event"),)


class WebhookDelivery(TenantOwned):
    """One attempt to deliver an event to an endpoint (``created_at`` is when it was made)."""

    webhook: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Webhook", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.WebhookEvent", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    dispatch: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.WebhookDispatch", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    attempt = fields.IntField()
    status_code = fields.IntField(null=True)
    latency_ms = fields.IntField()
    error = fields.TextField(null=True)
    succeeded = fields.BooleanField()

    class Meta:
        table = "webhook_delivery"
