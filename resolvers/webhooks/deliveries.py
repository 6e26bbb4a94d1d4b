"""What an endpoint was sent: the attempts, newest first; sending an event again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from models.db import execute, fetch, fetchval, in_transaction
from models.sql import Sql, and_
from resolvers import clock
from resolvers.cursors import ListCursors
from resolvers.errors import NotFound
from resolvers.outbox import wake
from resolvers.pagination import page_size
from resolvers.webhooks.service import get_webhook

COLUMNS = (
    "a.id, a.created_at, a.webhook_id, a.event_id, a.attempt, a.status_code, a.latency_ms, a.error, a.succeeded, "
    "e.type AS event_type, d.status AS dispatch_status, d.next_attempt_at"
)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    total_count: Callable[[], Awaitable[int]]


async def list_deliveries(access: Access, webhook_id: UUID | None, *, first: int | None, after: str | None) -> Page:
    """An endpoint's delivery attempts (or all the company's), newest first."""
    access.require(P.WEBHOOK_MANAGE)
    limit = page_size(first)
    cursors = ListCursors.of(access.principal, "webhook_deliveries", webhook=str(webhook_id))
    where = Sql("a.tenant_id = %s", access.principal.tenant_id)
    if webhook_id is not None:
        await get_webhook(access, webhook_id)  # NotFound for another company's
        where = and_(where, Sql("a.webhook_id = %s", webhook_id))
    page_where = where
    if after:
        at, pk = cursors.decode(after, 2)
        page_where = and_(
            where, Sql("(a.created_at, a.id) < (%s::timestamptz, %s::uuid)", datetime.fromisoformat(at), UUID(pk))
        )
    rows = await fetch(
        Sql(
            f"SELECT {COLUMNS} FROM webhook_delivery a JOIN webhook_event e ON e.id = a.event_id "
            "JOIN webhook_dispatch d ON d.id = a.dispatch_id WHERE "
        )
        + page_where
        + Sql(" ORDER BY a.created_at DESC, a.id DESC LIMIT %s", limit + 1)
    )

    async def total() -> int:
        return int(await fetchval(Sql("SELECT count(*) FROM webhook_delivery a WHERE ") + where))

    shown = rows[:limit]
    return Page(
        shown, [cursors.encode([r["created_at"].isoformat(), str(r["id"])]) for r in shown], len(rows) > limit, total
    )


async def redeliver(access: Access, *, delivery_id: UUID | None = None, event_id: UUID | None = None) -> int:
    """Send an event again: to the endpoint of one attempt (``delivery_id``), or to every enabled
    endpoint that was sent it (``event_id``). Answers how many sends were queued. The event keeps
    its id and body; it takes its place in its customer's order again."""
    access.require(P.WEBHOOK_MANAGE)
    tenant = access.principal.tenant_id
    if delivery_id is not None:
        target = Sql(
            "d.id = (SELECT a.dispatch_id FROM webhook_delivery a WHERE a.id = %s AND a.tenant_id = %s)",
            delivery_id,
            tenant,
        )
        missing = NotFound("WebhookDelivery", str(delivery_id))
    elif event_id is not None:
        target = Sql("d.event_id = %s", event_id)
        missing = NotFound("WebhookEvent", str(event_id))
    else:
        raise NotFound("WebhookDelivery", None)
    async with in_transaction():
        count = await execute(
            Sql(
                "UPDATE webhook_dispatch d SET status = 'pending', next_attempt_at = %s, attempts = 0, "
                "first_failed_at = NULL, delivered_at = NULL, lease_until = NULL "
                "FROM webhook w WHERE w.id = d.webhook_id AND w.enabled AND d.tenant_id = %s AND ",
                clock.now(),
                tenant,
            )
            + target
        )
        if not count:
            raise missing
        await wake(access)
    return count
