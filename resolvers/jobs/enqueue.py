"""Putting a job on the queue, in the caller's transaction when there is one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import orjson
from pgqueuer.adapters.drivers.asyncpg import AsyncpgDriver
from pgqueuer.adapters.persistence.queries import Queries

from models.db import asyncpg_connection


async def enqueue(
    entrypoint: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    execute_after: timedelta | None = None,
    tenant_less: bool = False,
) -> None:
    """Queue a job for the handler registered as ``entrypoint``.

    The payload names the company the job acts for (``tenant_id``): a job runs as that tenant, and
    under row-level security one without it would read and change nothing, and so "succeed" having
    done nothing. Only a job that touches no company's rows says ``tenant_less``.

    Inside ``models.db.in_transaction()`` the job is written in that transaction: it exists (and
    workers are woken) only if the transaction commits. Outside one, it is written on its own.
    With ``dedupe_key``, nothing is queued while a job with the same key is queued or running.
    With ``execute_after``, the job waits that long before a worker may take it.
    """
    if not tenant_less:
        _check_tenant(entrypoint, payload)
    body = orjson.dumps(payload)
    async with asyncpg_connection() as connection:
        # ON CONFLICT DO NOTHING rather than a unique violation, which would abort the caller's transaction.
        await Queries(AsyncpgDriver(connection)).enqueue(
            entrypoint, body, execute_after=execute_after, dedupe_key=dedupe_key, on_conflict="skip"
        )


def _check_tenant(entrypoint: str, payload: dict[str, Any]) -> None:
    try:
        UUID(str(payload["tenant_id"]))
    except (KeyError, ValueError):
        raise ValueError(f"job {entrypoint!r}: the payload must name its company (tenant_id)") from None


def decode_payload(raw: bytes | None) -> dict[str, Any]:
    value = orjson.loads(raw) if raw else {}
    if not isinstance(value, dict):
        raise TypeError(f"a job payload must be a JSON object, not {type(value).__name__}")
    return value
