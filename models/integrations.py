"""What partner integrations lean on: customers' ids in other systems, and idempotent writes."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwned
from models.descriptors import Column, Entity, register


class CustomerExternalId(TenantOwned):
    """A customer's id in another system (``source`` lower-case: ``shopify``, ``erp``).

    One customer per (company, source, id): the unique constraint, not a lookup first, decides.
    """

    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    source = fields.CharField(max_length=64)
    external_id = fields.CharField(max_length=255)

    class Meta:
        table = "customer_external_id"
        unique_together = (("tenant", "source", "external_id"),)


EXTERNAL_ID = register(
    Entity(
        "ExternalId",
        "customer_external_id",
        (
            Column(None, "id", "uuid", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column(None, "customer_id", "uuid", nullable=False),
            Column("source", "source", "string", nullable=False),
            Column("id", "external_id", "string", nullable=False),
        ),
    )
)


class IdempotencyKey(TenantOwned):
    """The answer given to a mutation request sent with an ``Idempotency-Key`` header.

    Inserted in the transaction of the mutation itself, so the answer commits with its writes (or
    neither does); a concurrent repeat's insert waits on that row until the first one ends.
    """

    key = fields.CharField(max_length=255)
    fingerprint = fields.CharField(max_length=64)  # SHA-256 of the request and the caller
    status = fields.SmallIntField()
    media_type = fields.CharField(max_length=100)
    body = fields.BinaryField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "idempotency_key"
        unique_together = (("tenant", "key"),)
