"""Putting a job on the queue, in the caller's transaction when there is one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from pgqueuer.adapters.drivers.asyncpg import AsyncpgDriver
from pgqueuer.adapters.persistence.queries import Queries

from models.db import asyncpg_connection


async def enqueue(
    entrypoint: str, payload: dict[str, Any], *, dedupe_key: str | None = None, execute_after: timedelta | None = None
) -> None:
    """Queue a job for the handler registered as ``entrypoint``.

    Inside ``models.db.in_transaction()`` the job is written in that transaction: it exists (and
    workers are woken) only if the transaction commits. Outside one, it is written on its own.
    With ``dedupe_key``, nothing is queued while a job with the same key is queued or running.
    With ``execute_after``, no worker claims the job before that much time has passed.
    """
    body = orjson.dumps(payload)
    async with asyncpg_connection() as connection:
        # ON CONFLICT DO NOTHING rather than a unique violation, which would abort the caller's transaction.
        await Queries(AsyncpgDriver(connection)).enqueue(
            entrypoint, body, execute_after=execute_after, dedupe_key=dedupe_key, on_conflict="skip"
        )


def decode_payload(raw: bytes | None) -> dict[str, Any]:
    value = orjson.loads(raw) if raw else {}
    if not isinstance(value, dict):
        raise TypeError(f"a job payload must be a JSON object, not {type(value).__name__}")
    return value
