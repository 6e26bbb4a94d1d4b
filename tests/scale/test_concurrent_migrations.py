"""Several hosts starting at once each run the migrations (``crm run`` and ``crm migrate`` do):
one applies them while the others wait, and all of them start."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from server.database import asyncpg_params, with_database
from server.settings import PROJECT_ROOT


@pytest.fixture
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    url = with_database(server_url, f"crm_migrate_{uuid.uuid4().hex[:10]}")
    yield url
    params = asyncpg_params(url)
    connection = await asyncpg.connect(**{**params, "database": "postgres"})
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{params["database"]}" WITH (FORCE)')
    finally:
        await connection.close()


def test_concurrent_migrations_of_a_fresh_database_all_succeed(fresh_database: str) -> None:
    environment = {**os.environ, "DATABASE_URL": fresh_database}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "server.cli", "migrate"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in started]
    assert [process.returncode for process in started] == [0, 0], outputs
