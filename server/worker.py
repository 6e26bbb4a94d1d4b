"""The job worker: runs the registered handlers with pgqueuer, on its own connection to the database.

``crm worker`` runs it as a process of its own (scale out next to the API); ``crm run`` also runs one
inside each API process unless ``CRM_INPROCESS_WORKER=false``. Any number of them share the queue:
pgqueuer claims jobs with ``FOR UPDATE SKIP LOCKED``, wakes on LISTEN/NOTIFY, and re-claims a job
whose worker died once its heartbeat is stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import asyncpg
from pgqueuer.core.qm import QueueManager
from pgqueuer.domain.settings import db_settings
from tortoise.context import TortoiseContext

from authz import policy_store
from authz.policy_store import PolicyStore
from resolvers.jobs import runner
from resolvers.jobs.handlers import load_handlers
from schema.schema import build_schema
from server import service_role
from server.database import app_database_url, asyncpg_params, tortoise_config
from server.settings import get_settings
from server.webhooks import setup_webhooks

log = logging.getLogger("crm.worker")

RESTART_SECONDS = 5.0


class Worker:
    def __init__(self, url: str, *, concurrency: int) -> None:
        if concurrency < runner.MIN_CONCURRENCY:
            raise ValueError(f"concurrency must be at least {runner.MIN_CONCURRENCY}")
        self.url = url
        self.concurrency = concurrency
        self._stopping = asyncio.Event()
        self._manager: QueueManager | None = None

    async def run(self) -> None:
        """Run jobs until ``stop()``; a lost connection is logged and retried after a pause."""
        while not self._stopping.is_set():
            try:
                await self._run_once()
            except Exception:
                log.exception("job worker stopped; restarting in %.0f s", RESTART_SECONDS)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), RESTART_SECONDS)

    def stop(self) -> None:
        """Claim no more jobs; ``run()`` returns once the jobs in hand have finished."""
        self._stopping.set()
        if self._manager is not None:
            self._manager.shutdown.set()

    async def _run_once(self) -> None:
        connection = await asyncpg.connect(
            **asyncpg_params(self.url), server_settings={"application_name": "crm-worker"}
        )
        try:
            self._manager = runner.queue_manager(connection)
            if self._stopping.is_set():
                return
            await runner.run(self._manager, concurrency=self.concurrency)
        finally:
            self._manager = None
            await connection.close()


class QueueMissing(RuntimeError):
    pass


async def check_queue(url: str) -> None:
    """Fail early, and clearly, when the database is unreachable or not migrated."""
    try:
        connection = await asyncpg.connect(**asyncpg_params(url), timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise QueueMissing(f"Cannot reach the database: {exc}") from exc
    try:
        installed = await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", db_settings().qualified.queue_table)
    finally:
        await connection.close()
    if not installed:
        raise QueueMissing("The job queue tables are missing: run `crm migrate` first.")


async def serve(url: str, *, concurrency: int, extra_modules: list[str] | None = None) -> None:
    """``crm worker``: the ORM for the handlers, the worker, and a graceful stop on SIGTERM or SIGINT."""
    load_handlers(extra_modules)
    # Jobs act as whoever started them, under the policy as it is now (imports check it per batch).
    policy_store.install(PolicyStore(get_settings().policy_dir))
    # Webhook payloads are read through the API's schema.
    setup_webhooks(get_settings(), build_schema())
    url = app_database_url(url)  # the service's role, under row-level security
    await service_role.check(url, get_settings())
    await check_queue(url)
    worker = Worker(url, concurrency=concurrency)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            log.info("job worker running (concurrency %d)", concurrency)
            await worker.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("job worker stopped")
