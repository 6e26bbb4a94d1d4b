"""Token buckets kept in PostgreSQL, so every API process on every host draws from the same one.

One statement per request takes a token: it refills the bucket for the time elapsed since its
last use, takes one token when at least one is there, and answers whether it did, atomically (the
row lock orders concurrent requests of one subject; different subjects never wait on each other).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from tortoise import connections

log = logging.getLogger("crm.ratelimit")

# $3 capacity, $4 tokens added per second. In SET, b.* are the values before the update.
_AVAILABLE = "LEAST($3::float8, b.tokens + EXTRACT(EPOCH FROM now() - b.refilled_at)::float8 * $4::float8)"
_TAKE = f"""
INSERT INTO rate_limit_bucket AS b (tenant_id, subject, tokens, refilled_at, allowed)
VALUES ($1, $2, $3::float8 - 1, now(), true)
ON CONFLICT (tenant_id, subject) DO UPDATE SET
    allowed = {_AVAILABLE} >= 1,
    tokens = {_AVAILABLE} - CASE WHEN {_AVAILABLE} >= 1 THEN 1 ELSE 0 END,
    refilled_at = now()
RETURNING allowed, tokens
"""


@dataclass(frozen=True, slots=True)
class Bucket:
    capacity: float  # the burst a subject may send at once
    per_second: float  # tokens added back each second


async def take_token(tenant_id: UUID, subject: str, bucket: Bucket) -> float | None:
    """None when a token was taken; else the seconds until the next one is there."""
    # Straight from the pool, outside any transaction: the statement is the same on every request
    # (prepared once per connection) and must not join or wait for the request's own work.
    pool = connections.get("default")._pool
    log.debug("take %s %s", tenant_id, subject)
    row = await pool.fetchrow(_TAKE, tenant_id, subject, bucket.capacity, bucket.per_second)
    if row["allowed"]:
        return None
    return max((1 - row["tokens"]) / bucket.per_second, 0.001)
