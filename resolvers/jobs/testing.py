"""Running queued jobs in the test process, so feature tests drive jobs deterministically."""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise import connections

from resolvers.jobs import runner
from resolvers.jobs.handlers import load_handlers

HORIZON_SECONDS = 30


def _due_work(connection: asyncpg.Connection) -> Any:
    """The drain's "is anything left?" counting only jobs due within the horizon."""

    async def queued_work(entrypoints: list[str]) -> int:
        query = (
            "SELECT count(*) FROM pgqueuer WHERE entrypoint = ANY($1) AND status = 'queued' "
            "AND execute_after < now() + make_interval(secs => $2)"
        )
        return int(await connection.fetchval(query, entrypoints, HORIZON_SECONDS))

    return queued_work


async def run_pending_jobs() -> None:
    """Run every queued job of the current database, in this process, until the queue is empty.

    Jobs enqueued by the handlers themselves run too; retries run after their delay. Failed jobs
    stay on the queue as 'failed'. Only jobs with a registered handler are run. Jobs scheduled
    further ahead than ``HORIZON`` (a purge in 48 hours, a webhook retry in an hour) are left
    queued: waiting for them would hang the test; a test reaches them by moving them forward.
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
        manager.queries.queued_work = _due_work(connection)  # type: ignore[method-assign]
        await runner.run(manager, concurrency=runner.MIN_CONCURRENCY, drain=True)
    finally:
        await connection.close()
