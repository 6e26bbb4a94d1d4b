"""A finished export's file, kept in PostgreSQL in chunks: any API process serves it, one chunk
in memory at a time, and it goes with its export (deleted together, in one statement)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import IO
from uuid import UUID

from models.db import execute, fetchrow
from models.sql import Sql

CHUNK_BYTES = 1024 * 1024


async def store_file(tenant_id: UUID, export_id: UUID, source: IO[bytes]) -> int:
    """Copy ``source`` (from its start) into chunks of the export, in the caller's transaction;
    answer its size in bytes."""
    source.seek(0)
    seq = size = 0
    while chunk := await asyncio.to_thread(source.read, CHUNK_BYTES):
        await execute(
            Sql(
                "INSERT INTO export_chunk (tenant_id, customer_export_id, seq, data) VALUES (%s, %s, %s, %s)",
                tenant_id,
                export_id,
                seq,
                chunk,
            )
        )
        seq += 1
        size += len(chunk)
    return size


async def read_file(tenant_id: UUID, export_id: UUID) -> AsyncIterator[bytes]:
    seq = 0
    while True:
        row = await fetchrow(
            Sql(
                "SELECT data FROM export_chunk WHERE tenant_id = %s AND customer_export_id = %s AND seq = %s",
                tenant_id,
                export_id,
                seq,
            )
        )
        if row is None:
            return
        yield bytes(row["data"])
        seq += 1
