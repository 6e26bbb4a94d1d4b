"""Job handlers used only by the tests (``crm worker --import tests.jobs.handlers`` in subprocesses).

They write to tables the tests create (``create_tables``), keyed by a per-test ``key``.
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from typing import Any

from models.db import execute, fetchval, in_transaction
from models.sql import Sql
from resolvers.jobs import job

TABLES = """
CREATE TABLE IF NOT EXISTS job_test_step (
    key text NOT NULL, n int NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS job_test_progress (key text PRIMARY KEY, done int NOT NULL);
"""

# The advisory lock a test holds to stop ``test.chunked`` in the middle of a step.
GATE_LOCK = 7_300_112


async def record_step(key: str, n: int) -> None:
    await execute(Sql("INSERT INTO job_test_step (key, n, pid) VALUES (%s, %s, %s)", key, n, os.getpid()))


@job("test.record")
async def record(payload: dict[str, Any]) -> None:
    await record_step(payload["key"], 0)
    await asyncio.sleep(payload.get("sleep", 0))


@job("test.fail", retries=1, retry_delay=timedelta(0))
async def fail(payload: dict[str, Any]) -> None:
    await record_step(payload["key"], 0)
    raise RuntimeError(f"boom {payload['key']}")


@job("test.chunked", retry_after=timedelta(seconds=1))
async def chunked(payload: dict[str, Any]) -> None:
    """Writes steps 0..total-1, each in one transaction with its progress record, so a re-run
    resumes after the last committed step. Step ``gate_at`` waits for the test's advisory lock."""
    key, total = payload["key"], payload["total"]
    await execute(Sql("INSERT INTO job_test_progress (key, done) VALUES (%s, 0) ON CONFLICT DO NOTHING", key))
    while True:
        async with in_transaction():
            done = await fetchval(Sql("SELECT done FROM job_test_progress WHERE key = %s FOR UPDATE", key))
            if done >= total:
                return
            await record_step(key, done)
            if done == payload.get("gate_at"):
                await execute(Sql("SELECT pg_advisory_xact_lock(%s)", GATE_LOCK))
            await execute(Sql("UPDATE job_test_progress SET done = done + 1 WHERE key = %s", key))
