"""Running queued jobs in the test process, so feature tests drive jobs deterministically."""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise import connections

from resolvers.jobs import runner
from resolvers.jobs.handlers import load_handlers


async def run_pending_jobs() -> None:
    """Run every queued job of the current database, in this process, until the queue is empty.

    Jobs enqueued by the handlers themselves run too; retries run after their delay. Failed jobs
    stay on the queue as 'failed'. Only jobs with a registered handler are run.
    """
    load_handlers()
    client: Any = connections.get("default")
    while hasattr(client, "_parent"):  # inside a transaction: the pool's client holds the parameters
        client = client._parent
    # A connection of its own: pgqueuer LISTENs on it, which a pooled connection must not keep.
    connection = await asyncpg.connect(
        host=client.host, port=client.port, user=client.user, password=client.password, database=client.database
    )
    try:
        manager = runner.queue_manager(connection)
        await runner.run(manager, concurrency=runner.MIN_CONCURRENCY, drain=True)
    finally:
        await connection.close()
