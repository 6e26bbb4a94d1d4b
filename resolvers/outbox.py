"""The transactional outbox: changes announce themselves to the company's webhooks.

Call ``emit`` inside the transaction of the change (``async with in_transaction():``): the event
rows are written with the change and exist only if it commits, and the delivery job queued with
them (``enqueue`` joins the transaction too) runs only then. A process that dies after the commit
loses nothing: the rows and the job are in the database, and any worker delivers them.

Events are written only while an enabled endpoint of the company subscribes to the type, so a
company without webhooks pays one cheap statement per change.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from models.db import fetchval
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers.history import to_json
from resolvers.jobs import enqueue

DELIVER_JOB = "webhooks.deliver"


def _tenant(access_or_tenant: Access | UUID) -> UUID:
    return access_or_tenant.principal.tenant_id if isinstance(access_or_tenant, Access) else access_or_tenant


def subscribed(tenant_id: UUID, event_type: WebhookEventType) -> Sql:
    """True while an enabled endpoint of the company subscribes to ``event_type``."""
    return Sql(
        "EXISTS (SELECT 1 FROM webhook w WHERE w.tenant_id = %s AND w.enabled AND w.events ? %s)",
        tenant_id,
        event_type.value,
    )


def outbox_insert(
    access_or_tenant: Access | UUID,
    event_type: WebhookEventType,
    object_type: str,
    source: str,
    *,
    object_column: str = "id",
    order_column: str | None = None,
    details: Sql | None = None,
) -> Sql:
    """``INSERT ... SELECT`` of one event per row of ``source`` (aliased ``s``), for a data-modifying
    ``WITH`` or a bulk change made in one statement. ``object_column`` holds the object's id,
    ``order_column`` the customer whose events keep their order (default: the object itself);
    ``details`` is a jsonb expression evaluated per row. ``source``/columns are code, never input.

    Then call ``await wake(access_or_tenant)`` in the same transaction.
    """
    tenant_id = _tenant(access_or_tenant)
    order = order_column or object_column
    return (
        Sql(
            "INSERT INTO webhook_event (tenant_id, type, object_type, object_id, order_key, details) "
            f"SELECT %s, %s, %s, s.{object_column}, s.{order}, ",
            tenant_id,
            event_type.value,
            object_type,
        )
        + (details if details is not None else Sql("'{}'::jsonb"))
        + Sql(f" FROM {source} s WHERE ")
        + subscribed(tenant_id, event_type)
    )


async def emit(
    access_or_tenant: Access | UUID,
    event_type: WebhookEventType,
    object_type: str,
    object_id: UUID | list[UUID],
    *,
    customer_id: UUID | list[UUID] | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Announce a change of one object (or of several of one type, in order) to the webhooks.

    ``object_type`` is the API's type name (``Customer``, ``Note``, ``Task``, ``Import``);
    ``customer_id`` the customer each object belongs to (default: the object is the customer):
    events of one customer reach each endpoint in the order they were emitted. Answers how
    many events were written (0 when no endpoint subscribes).
    """
    tenant_id = _tenant(access_or_tenant)
    ids = object_id if isinstance(object_id, list) else [object_id]
    if not ids:
        return 0
    keys = customer_id if isinstance(customer_id, list) else [customer_id or pk for pk in ids]
    if len(keys) != len(ids):
        raise ValueError("one customer_id per object_id")
    written = await fetchval(
        _one_at_a_time(tenant_id, event_type, keys)
        + Sql(
            "written AS (INSERT INTO webhook_event (tenant_id, type, object_type, object_id, order_key, details) "
            "SELECT %s, %s, %s, e.object_id, e.order_key, %s::jsonb "
            "FROM unnest(%s::uuid[], %s::uuid[]) WITH ORDINALITY AS e(object_id, order_key, n), "
            "(SELECT count(*) FROM locked) AS l WHERE ",
            tenant_id,
            event_type.value,
            object_type,
            to_json(details or {}),
            ids,
            keys,
        )
        + subscribed(tenant_id, event_type)
        # (Tortoise reads an INSERT's row count as 0: count the rows returned.)
        + Sql(" ORDER BY e.n RETURNING 1) SELECT count(*) FROM written")
    )
    if written:
        await wake(tenant_id)
    return written


def _one_at_a_time(tenant_id: UUID, event_type: WebhookEventType, keys: list[UUID]) -> Sql:
    """``WITH locked AS (...), ``: the customer's outbox lock, held until the transaction ends.

    Events are numbered when written and delivered in that order, so two transactions must not
    number one customer's events in one order and commit them in the other. Changes that lock the
    customer's row are serialised already; notes and tasks are not, so a single customer's emit
    takes a transaction lock on it first (only while someone subscribes). Several customers at
    once (bulk changes) lock their rows instead: taking many such locks could deadlock.
    """
    if len(set(keys)) != 1:
        return Sql("WITH locked AS (SELECT 1), ")
    return (
        Sql(
            "WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtextextended(%s, 0)) WHERE ",
            f"webhooks:{keys[0]}",
        )
        + subscribed(tenant_id, event_type)
        + Sql("), ")
    )


def refs(type_name: str, ids: list[UUID]) -> dict[str, Any]:
    """Other objects an event names, for ``details``: the payload shows them as the API's ids."""
    return {"type": type_name, "ids": [str(pk) for pk in ids]}


async def wake(access_or_tenant: Access | UUID) -> None:
    """Queue the company's delivery job (in the caller's transaction: it runs after the commit)."""
    await enqueue(DELIVER_JOB, {"tenant_id": str(_tenant(access_or_tenant))})
