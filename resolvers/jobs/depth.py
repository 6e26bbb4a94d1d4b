"""How much work waits on the queue, per kind of job (for metrics and health pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pgqueuer.domain.settings import db_settings

from models.db import fetch
from models.sql import Sql


@dataclass(frozen=True)
class QueueDepth:
    entrypoint: str
    queued: int
    # How long the oldest queued job has waited since it was enqueued; None when none waits.
    oldest_queued_age: timedelta | None
    running: int
    failed: int


async def queue_depth() -> list[QueueDepth]:
    """Per entrypoint with any job on the queue: queued, running and failed counts, and the oldest wait."""
    # The table name comes from pgqueuer's validated settings (identifier characters only).
    table = db_settings().qualified.queue_table
    rows = await fetch(
        Sql(
            f"""SELECT entrypoint,
                       count(*) FILTER (WHERE status = 'queued') AS queued,
                       now() - min(created) FILTER (WHERE status = 'queued') AS oldest_queued_age,
                       count(*) FILTER (WHERE status = 'picked') AS running,
                       count(*) FILTER (WHERE status = 'failed') AS failed
                FROM {table}
                GROUP BY entrypoint
                ORDER BY entrypoint"""
        )
    )
    return [QueueDepth(r["entrypoint"], r["queued"], r["oldest_queued_age"], r["running"], r["failed"]) for r in rows]
