"""Delivering a company's outbox: fan events out to endpoints, send what is due, in order.

Per endpoint and customer, events are sent one at a time in the order they were written: an event
is due only when no earlier event of the same customer is still pending for that endpoint (it is
delivered, or given up after the retry window). A sent-but-unanswered dispatch is held by a lease,
not by an open transaction, so a worker that dies mid-request only delays it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from cryptography.fernet import InvalidToken

from authz.access import Access
from authz.policy_store import current_policy
from authz.principal import Principal
from models import Role
from models.db import execute, fetch, fetchval, in_transaction
from models.sql import Sql
from resolvers import clock
from resolvers.jobs import enqueue
from resolvers.outbox import DELIVER_JOB
from resolvers.webhooks import config, payloads, sender
from resolvers.webhooks.schedule import retry_delay
from resolvers.webhooks.signing import unseal

FAN_OUT_BATCH = 200
# A pass hands over to a follow-up job after this long, so one company cannot hold a worker.
PASS_BUDGET = timedelta(seconds=60)

UNREADABLE_SECRET = "the secret cannot be decrypted (the server's secret changed): rotate it"

_HEAD = (
    "NOT EXISTS (SELECT 1 FROM webhook_dispatch o WHERE o.webhook_id = d.webhook_id AND "
    "o.order_key = d.order_key AND o.status = 'pending' AND o.seq < d.seq)"
)


async def reader(tenant_id: UUID) -> Access | None:
    """An admin of the company, as the payload's reader; None when the company is gone."""
    slug = await fetchval(Sql("SELECT slug FROM tenant WHERE id = %s", tenant_id))
    if slug is None:
        return None
    principal = Principal(tenant_id=tenant_id, tenant_slug=slug, role=Role.ADMIN, user_id=None, name="webhooks")
    return Access(principal, current_policy())


async def fan_out(tenant_id: UUID, access: Access) -> int:
    """Give each new event its body and a dispatch per enabled endpoint subscribing to it."""
    total = 0
    while True:
        async with in_transaction():
            # One worker at a time fans a company's events out, in order (another one skipping the
            # events in hand would give later events their dispatches first); the next waits.
            await execute(Sql("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", f"webhooks.fan_out:{tenant_id}"))
            events = await fetch(
                Sql(
                    "SELECT id, seq, type, object_type, object_id, order_key, details, created_at FROM webhook_event "
                    "WHERE tenant_id = %s AND NOT fanned_out ORDER BY seq LIMIT %s",
                    tenant_id,
                    FAN_OUT_BATCH,
                )
            )
            if not events:
                return total
            bodies = []
            for event in events:
                if isinstance(event["details"], str):
                    event["details"] = orjson.loads(event["details"])
                bodies.append(orjson.dumps(await payloads.build_body(access, event)).decode())
            now = clock.now()
            await execute(
                Sql(
                    "UPDATE webhook_event e SET body = b.body::jsonb, fanned_out = TRUE "
                    "FROM unnest(%s::uuid[], %s::text[]) AS b(id, body) WHERE e.id = b.id AND e.tenant_id = %s",
                    [e["id"] for e in events],
                    bodies,
                    tenant_id,
                )
            )
            await execute(
                Sql(
                    "INSERT INTO webhook_dispatch (tenant_id, webhook_id, event_id, seq, order_key, next_attempt_at) "
                    "SELECT e.tenant_id, w.id, e.id, e.seq, e.order_key, %s FROM webhook_event e "
                    "JOIN webhook w ON w.tenant_id = e.tenant_id AND w.enabled AND w.events ? e.type "
                    "WHERE e.tenant_id = %s AND e.id = ANY(%s::uuid[]) "
                    "ORDER BY e.seq ON CONFLICT (tenant_id, webhook_id, event_id) DO NOTHING",
                    now,
                    tenant_id,
                    [e["id"] for e in events],
                )
            )
            total += len(events)


async def claim_due(tenant_id: UUID, limit: int) -> list[dict[str, Any]]:
    """Lease the due dispatches that head their (endpoint, customer) line, oldest first."""
    now = clock.now()
    cfg = config.current()
    lease = now + cfg.timeout + timedelta(seconds=30)
    async with in_transaction():
        return await fetch(
            Sql(
                "WITH due AS (SELECT d.id FROM webhook_dispatch d "
                "JOIN webhook w ON w.id = d.webhook_id AND w.enabled "
                "WHERE d.tenant_id = %s AND d.status = 'pending' AND d.next_attempt_at <= %s "
                "AND (d.lease_until IS NULL OR d.lease_until < %s) AND " + _HEAD + " "
                "ORDER BY d.seq LIMIT %s FOR UPDATE OF d SKIP LOCKED) "
                "UPDATE webhook_dispatch d SET lease_until = %s FROM due, webhook w, webhook_event e "
                "WHERE d.id = due.id AND w.id = d.webhook_id AND e.id = d.event_id "
                "RETURNING d.id, d.webhook_id, d.event_id, d.attempts, d.first_failed_at, d.seq, "
                "w.url, w.secret, w.failing_since, e.body::text AS body",
                tenant_id,
                now,
                now,
                limit,
                lease,
            )
        )


async def record(tenant_id: UUID, dispatch: dict[str, Any], outcome: sender.Outcome, at: datetime) -> None:
    """The attempt, and what follows from it: delivered, retried later, given up, endpoint disabled."""
    cfg = config.current()
    attempt = dispatch["attempts"] + 1
    async with in_transaction():
        await execute(
            Sql(
                "INSERT INTO webhook_delivery (tenant_id, created_at, webhook_id, event_id, dispatch_id, attempt, "
                "status_code, latency_ms, error, succeeded) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                tenant_id,
                at,
                dispatch["webhook_id"],
                dispatch["event_id"],
                dispatch["id"],
                attempt,
                outcome.status_code,
                outcome.latency_ms,
                outcome.error,
                outcome.succeeded,
            )
        )
        if outcome.succeeded:
            await execute(
                Sql(
                    "UPDATE webhook_dispatch SET status = 'delivered', attempts = %s, delivered_at = %s, "
                    "lease_until = NULL WHERE id = %s",
                    attempt,
                    at,
                    dispatch["id"],
                )
            )
            await execute(
                Sql(
                    "UPDATE webhook SET failing_since = NULL WHERE id = %s AND failing_since IS NOT NULL",
                    dispatch["webhook_id"],
                )
            )
            return
        first_failed = dispatch["first_failed_at"] or at
        given_up = at - first_failed >= cfg.give_up_after
        failures = attempt  # attempts since the dispatch was (re)queued are all failures
        await execute(
            Sql(
                "UPDATE webhook_dispatch SET status = %s, attempts = %s, first_failed_at = %s, "
                "next_attempt_at = %s, lease_until = NULL WHERE id = %s",
                "failed" if given_up else "pending",
                attempt,
                first_failed,
                at + retry_delay(cfg, failures),
                dispatch["id"],
            )
        )
        failing_since = await fetchval(
            Sql(
                "UPDATE webhook SET failing_since = coalesce(failing_since, %s) WHERE id = %s RETURNING failing_since",
                at,
                dispatch["webhook_id"],
            )
        )
        if failing_since is not None and at - failing_since >= cfg.give_up_after:
            hours = round((at - failing_since).total_seconds() / 3600, 1)
            await execute(
                Sql(
                    "UPDATE webhook SET enabled = FALSE, disabled_at = %s, disabled_reason = %s "
                    "WHERE id = %s AND enabled",
                    at,
                    f"Every delivery failed for {hours} hours (since {failing_since.isoformat()}); "
                    f"last error: {outcome.error}",
                    dispatch["webhook_id"],
                )
            )


async def send_due(tenant_id: UUID) -> int:
    """Send the due dispatches until none is left (or the pass's budget is spent); answers how many."""
    cfg = config.current()
    started = clock.now()
    sent = 0
    async with sender.client() as http:
        while clock.now() - started < PASS_BUDGET:
            batch = await claim_due(tenant_id, cfg.batch)
            if not batch:
                break

            async def one(dispatch: dict[str, Any]) -> None:
                at = clock.now()
                body = (dispatch["body"] or "null").encode()
                try:
                    secret = unseal(dispatch["secret"])
                except InvalidToken:
                    outcome = sender.Outcome(None, 0, UNREADABLE_SECRET)
                else:
                    event_id = payloads.event_id(dispatch["event_id"])
                    outcome = await sender.send(http, dispatch["url"], secret, event_id, int(at.timestamp()), body)
                await record(tenant_id, dispatch, outcome, at)

            # Heads of different lines only: one customer's events are never in flight together.
            await asyncio.gather(*(one(d) for d in batch))
            sent += len(batch)
    return sent


async def purge(tenant_id: UUID) -> int:
    """Forget events older than the retention that no endpoint waits for (a batch per pass)."""
    before = clock.now() - config.current().retention
    return await execute(
        Sql(
            "DELETE FROM webhook_event WHERE id IN (SELECT e.id FROM webhook_event e WHERE e.tenant_id = %s "
            "AND e.created_at < %s AND e.fanned_out AND NOT EXISTS (SELECT 1 FROM webhook_dispatch d "
            "WHERE d.event_id = e.id AND d.status = 'pending') LIMIT 1000)",
            tenant_id,
            before,
        )
    )


async def next_due(tenant_id: UUID) -> datetime | None:
    """When the company's next pending head is due, else None. A head another worker is sending
    (leased) is that worker's to follow up; if it dies, its job runs again after the lease ran out."""
    now = clock.now()
    return await fetchval(
        Sql(
            "SELECT min(d.next_attempt_at) FROM webhook_dispatch d JOIN webhook w ON w.id = d.webhook_id AND w.enabled "
            "WHERE d.tenant_id = %s AND d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until < %s) AND "
            + _HEAD,
            tenant_id,
            now,
        )
    )


async def run_pass(tenant_id: UUID) -> None:
    """The delivery job: fan out, send what is due, and queue a follow-up for the next retry."""
    access = await reader(tenant_id)
    if access is None:
        return
    await fan_out(tenant_id, access)
    await send_due(tenant_id)
    await purge(tenant_id)
    due = await next_due(tenant_id)
    if due is None:
        return
    delay = max(due - clock.now(), timedelta(0))
    # One follow-up per due time, however many passes ask for it.
    await enqueue(
        DELIVER_JOB,
        {"tenant_id": str(tenant_id)},
        dedupe_key=f"{DELIVER_JOB}:{tenant_id}:{due.isoformat()}",
        execute_after=delay,
    )
