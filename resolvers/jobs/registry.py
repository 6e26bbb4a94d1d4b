"""Which handler runs each kind of job, and how its failures are retried.

A handler is ``async def handler(payload: dict) -> None`` registered under a dotted name::

    @job("import.run", retry_after=timedelta(seconds=30))
    async def run_import(payload: dict) -> None: ...

Feature modules register their handlers when they are imported; the worker imports the modules
listed in ``resolvers.jobs.handlers.HANDLER_MODULES``.

Handlers must be resumable. A job runs at least once, not exactly once: when the worker running it
dies (SIGKILL, a lost machine), its heartbeat stops and, ``retry_after`` later, another worker picks
the same job up and calls the handler again with the same payload. So a handler records its progress
in the same transaction as the rows it writes (``async with in_transaction(): write a chunk; advance
the cursor``) and starts from that record, never from the beginning, and never writes outside such a
transaction something it cannot find again. The same holds for ``retries``: a retried handler
starts again from its own record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

Handler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    entrypoint: str
    handler: Handler
    # How long a running job's heartbeat may stay silent before another worker takes it over.
    retry_after: timedelta
    # Further runs after the handler raised (0: the first error marks the job failed).
    retries: int
    # The wait before the first retry; it doubles on each further one.
    retry_delay: timedelta


REGISTRY: dict[str, JobKind] = {}


def job(
    entrypoint: str,
    *,
    retry_after: timedelta = timedelta(seconds=30),
    retries: int = 0,
    retry_delay: timedelta = timedelta(seconds=5),
) -> Callable[[Handler], Handler]:
    """Register ``handler`` to run the jobs enqueued under ``entrypoint`` (see the module's docstring)."""
    if retry_after <= timedelta(0):
        raise ValueError(f"retry_after of {entrypoint!r} must be positive")
    if retries < 0:
        raise ValueError(f"retries of {entrypoint!r} must be zero or more")

    def register(handler: Handler) -> Handler:
        known = REGISTRY.get(entrypoint)
        if known is not None and known.handler is not handler:
            raise RuntimeError(f"job {entrypoint!r} already has a handler: {known.handler.__qualname__}")
        REGISTRY[entrypoint] = JobKind(entrypoint, handler, retry_after, retries, retry_delay)
        return handler

    return register


def heartbeat_timeout(kinds: list[JobKind]) -> timedelta:
    """pgqueuer takes one heartbeat timeout per worker: the shortest ``retry_after`` of its handlers.

    A shorter timeout than a handler asked for only means more frequent heartbeats (every half of it).
    """
    return min((kind.retry_after for kind in kinds), default=timedelta(seconds=30))
