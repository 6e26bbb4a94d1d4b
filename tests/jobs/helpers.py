from __future__ import annotations

from typing import Any

from models.db import fetch
from models.sql import Sql


async def jobs_for(key: str) -> list[dict[str, Any]]:
    """The queue rows whose payload names ``key``."""
    return await fetch(
        Sql(
            "SELECT id, entrypoint, status::text AS status, attempts, dedupe_key FROM pgqueuer "
            "WHERE convert_from(payload, 'UTF8')::jsonb ->> 'key' = %s ORDER BY id",
            key,
        )
    )


async def steps(key: str) -> list[dict[str, Any]]:
    return await fetch(Sql("SELECT n, pid FROM job_test_step WHERE key = %s ORDER BY at", key))


async def log_for(job_id: int) -> list[dict[str, Any]]:
    return await fetch(
        Sql("SELECT status::text AS status, traceback FROM pgqueuer_log WHERE job_id = %s ORDER BY id", job_id)
    )
