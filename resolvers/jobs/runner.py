"""The registered handlers wired into a pgqueuer QueueManager, for the worker and for tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from pgqueuer.adapters.drivers.asyncpg import AsyncpgDriver
from pgqueuer.adapters.persistence.queries import Queries
from pgqueuer.core.executors import DatabaseRetryEntrypointExecutor, EntrypointExecutorParameters
from pgqueuer.core.qm import QueueManager
from pgqueuer.domain.models import Job
from pgqueuer.domain.types import QueueExecutionMode

from models.tenancy import service_scope
from resolvers.jobs.enqueue import decode_payload
from resolvers.jobs.registry import REGISTRY, JobKind, heartbeat_timeout

# pgqueuer refuses a per-worker cap below twice its claim batch (one job at least).
MIN_CONCURRENCY = 2


def queue_manager(connection: Any, kinds: list[JobKind] | None = None) -> QueueManager:
    """A QueueManager on ``connection`` (an asyncpg connection of its own: it LISTENs on it)."""
    manager = QueueManager(Queries(AsyncpgDriver(connection)))
    for kind in REGISTRY.values() if kinds is None else kinds:
        manager.entrypoint(
            kind.entrypoint,
            accepts_context=False,
            # A job that ran out of retries stays on the queue as 'failed' (with its traceback in
            # pgqueuer_log) instead of vanishing.
            on_failure="hold",
            executor_factory=_executor_for(kind),
        )(_call(kind))
    return manager


async def run(
    manager: QueueManager,
    *,
    concurrency: int,
    drain: bool = False,
    dequeue_timeout: timedelta = timedelta(seconds=30),
) -> None:
    """Claim and run jobs until ``manager.shutdown`` is set (or, with ``drain``, the queue is empty).

    At most ``concurrency`` jobs run at once here. A stop (``manager.shutdown.set()``) lets the
    jobs in hand finish; a job whose worker dies is re-claimed once its heartbeat is stale.
    """
    if concurrency < MIN_CONCURRENCY:
        raise ValueError(f"concurrency must be at least {MIN_CONCURRENCY}")
    kinds = [REGISTRY[name] for name in manager.entrypoint_registry if name in REGISTRY]
    await manager.run(
        dequeue_timeout=dequeue_timeout,
        batch_size=concurrency // 2,
        max_concurrent_tasks=concurrency,
        mode=QueueExecutionMode.drain if drain else QueueExecutionMode.continuous,
        # Continuous workers leave when their LISTEN connection stops answering, to be restarted.
        shutdown_on_listener_failure=not drain,
        heartbeat_timeout=heartbeat_timeout(kinds),
        log_aggregation_interval=timedelta(0) if drain else timedelta(seconds=30),
    )


def _call(kind: JobKind) -> Any:
    async def call(job: Job) -> None:
        payload = decode_payload(job.payload)
        # A job runs as the tenant its payload names (row-level security holds it there), or none.
        tenant = payload.get("tenant_id")
        with service_scope(UUID(tenant) if isinstance(tenant, str) else None):
            await kind.handler(payload)

    call.__qualname__ = f"job:{kind.entrypoint}"
    return call


def _executor_for(kind: JobKind) -> Any:
    def build(parameters: EntrypointExecutorParameters) -> DatabaseRetryEntrypointExecutor:
        return DatabaseRetryEntrypointExecutor(
            parameters,
            max_attempts=kind.retries,
            initial_delay=kind.retry_delay,
            max_delay=max(kind.retry_delay, timedelta(minutes=5)),
        )

    return build
