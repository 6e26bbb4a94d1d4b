"""Enqueueing in the caller's transaction, running jobs, failures and retries, the queue's depth."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import pytest

from models.db import in_transaction
from resolvers.jobs import enqueue, queue_depth
from resolvers.jobs.testing import run_pending_jobs
from server.database import asyncpg_params
from tests.jobs.helpers import jobs_for, log_for, steps


async def test_an_enqueued_job_runs_its_handler_once_and_leaves_the_queue(key: str) -> None:
    await enqueue("test.record", {"key": key}, tenant_less=True)
    [queued] = await jobs_for(key)
    assert queued["status"] == "queued"

    await run_pending_jobs()

    assert [s["n"] for s in await steps(key)] == [0]
    assert await jobs_for(key) == []
    assert [e["status"] for e in await log_for(queued["id"])] == ["queued", "picked", "successful"]


async def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(key: str) -> None:
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await enqueue("test.record", {"key": key}, tenant_less=True)
            assert len(await jobs_for(key)) == 1  # written in this transaction...
            raise RuntimeError("the use case fails after enqueueing")

    assert await jobs_for(key) == []  # ...and gone with it
    await run_pending_jobs()
    assert await steps(key) == []


async def test_a_job_enqueued_in_a_transaction_is_invisible_until_commit(key: str, database_url: str) -> None:
    other = await asyncpg.connect(**asyncpg_params(database_url))
    query = "SELECT count(*) FROM pgqueuer WHERE convert_from(payload, 'UTF8')::jsonb ->> 'key' = $1"
    try:
        async with in_transaction():
            await enqueue("test.record", {"key": key}, tenant_less=True)
            assert await other.fetchval(query, key) == 0
        assert await other.fetchval(query, key) == 1
    finally:
        await other.close()
    await run_pending_jobs()
    assert len(await steps(key)) == 1


async def test_a_dedupe_key_queues_one_job_while_one_waits(key: str) -> None:
    async with in_transaction():
        await enqueue("test.record", {"key": key}, dedupe_key=f"dedupe-{key}", tenant_less=True)
        await enqueue(
            "test.record", {"key": key}, dedupe_key=f"dedupe-{key}", tenant_less=True
        )  # no error, no second job
    assert len(await jobs_for(key)) == 1

    await run_pending_jobs()
    await enqueue("test.record", {"key": key}, dedupe_key=f"dedupe-{key}", tenant_less=True)  # the first one is done
    assert len(await jobs_for(key)) == 1


async def test_a_failing_job_is_retried_then_held_as_failed_with_its_error(key: str) -> None:
    await enqueue("test.fail", {"key": key}, tenant_less=True)
    [queued] = await jobs_for(key)

    await run_pending_jobs()

    assert len(await steps(key)) == 2  # the run and its one retry
    [held] = await jobs_for(key)
    assert (held["id"], held["status"], held["attempts"]) == (queued["id"], "failed", 1)
    failures = [e for e in await log_for(held["id"]) if e["status"] == "failed"]
    assert len(failures) == 1
    assert f"boom {key}" in str(failures[0]["traceback"])


async def test_two_workers_never_run_the_same_job(key: str) -> None:
    for _ in range(16):
        await enqueue("test.record", {"key": key, "sleep": 0.05}, tenant_less=True)

    await asyncio.gather(run_pending_jobs(), run_pending_jobs(), run_pending_jobs())

    assert len(await steps(key)) == 16
    assert await jobs_for(key) == []


async def test_queue_depth_counts_queued_jobs_per_entrypoint_and_the_oldest_wait(key: str) -> None:
    entrypoint = f"test.unhandled.{uuid.uuid4().hex[:8]}"  # no handler: it stays queued
    await enqueue(entrypoint, {"key": key}, tenant_less=True)
    await asyncio.sleep(0.05)
    await enqueue(entrypoint, {"key": key}, tenant_less=True)

    [depth] = [d for d in await queue_depth() if d.entrypoint == entrypoint]

    assert (depth.queued, depth.running, depth.failed) == (2, 0, 0)
    assert depth.oldest_queued_age is not None and depth.oldest_queued_age >= timedelta(seconds=0.05)


async def test_a_job_that_names_no_company_is_refused_when_queued():
    """Under row-level security such a job would read and change nothing, and pass as done."""
    for payload in ({"key": "k"}, {"tenant_id": "not-an-id"}):
        with pytest.raises(ValueError, match="must name its company"):
            await enqueue("import.run", payload)
