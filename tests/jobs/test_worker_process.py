"""A real ``crm worker`` killed with SIGKILL mid-job: a second worker takes the job over once its
heartbeat is stale and finishes it exactly once, resuming from the progress the first committed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import asyncpg
import pytest

from resolvers.jobs import enqueue
from server.database import asyncpg_params
from server.settings import PROJECT_ROOT
from tests.jobs.handlers import GATE_LOCK
from tests.jobs.helpers import jobs_for, log_for, steps


@pytest.fixture
def workers(database_url: str) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def start_worker(started: list[subprocess.Popen[str]], database_url: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "worker", "--concurrency", "2", "--import", "tests.jobs.handlers"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "CRM_LOG_LEVEL": "warning"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started.append(process)
    return process


# A worker starts a Python process that imports the whole application: seconds on a busy machine.
# Deadlines are generous; every wait ends as soon as its condition holds, or as soon as the worker
# it waits on has exited (with that worker's output).
DEADLINE = 120.0


async def eventually(
    check: object, what: str, process: subprocess.Popen[str] | None = None, seconds: float = DEADLINE
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the worker exited ({process.returncode}) before {what}: {process.communicate()[0]}")
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting until {what}")


async def test_a_killed_workers_job_is_finished_once_by_another_worker(
    key: str, database_url: str, workers: list[subprocess.Popen[str]]
) -> None:
    gate = await asyncpg.connect(**asyncpg_params(database_url))
    try:
        await gate.execute("SELECT pg_advisory_lock($1)", GATE_LOCK)
        await enqueue("test.chunked", {"key": key, "total": 5, "gate_at": 2}, tenant_less=True)
        [job] = await jobs_for(key)
        first = start_worker(workers, database_url)

        async def stuck_at_the_gate() -> bool:
            waiting = await gate.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted", GATE_LOCK
            )
            return bool(waiting)

        await eventually(stuck_at_the_gate, "the first worker waits at step 2", first)
        first.kill()
        first.wait()
        # Let the dead worker's server backend run on: it rolls back when it finds its client gone.
        await gate.execute("SELECT pg_advisory_unlock($1)", GATE_LOCK)
    finally:
        await gate.close()

    second = start_worker(workers, database_url)

    async def done() -> bool:
        return await jobs_for(key) == []

    await eventually(done, "the second worker finishes the job", second)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=DEADLINE) == 0, second.communicate()[0]

    # Steps 0 and 1 were committed by the first worker; its step 2 was rolled back with it. The
    # second resumed at step 2: every step is written once.
    by = {first.pid: "first", second.pid: "second"}
    assert [(s["n"], by[s["pid"]]) for s in await steps(key)] == [
        (0, "first"),
        (1, "first"),
        (2, "second"),
        (3, "second"),
        (4, "second"),
    ]
    assert [e["status"] for e in await log_for(job["id"])].count("successful") == 1
