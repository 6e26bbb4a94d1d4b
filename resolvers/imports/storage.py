"""The uploaded file, kept in PostgreSQL in chunks so any worker process can read it back
with flat memory (one chunk at a time)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import UUID

from models.db import execute, fetchrow
from models.sql import Sql

CHUNK_BYTES = 1024 * 1024


async def store_file(tenant_id: UUID, import_id: UUID, path: Path) -> int:
    """Copy the file at ``path`` into chunks of the import (inside the caller's transaction)."""
    seq = 0
    source = await asyncio.to_thread(open, path, "rb")
    with source:
        while chunk := await asyncio.to_thread(source.read, CHUNK_BYTES):
            await execute(
                Sql(
                    "INSERT INTO import_chunk (tenant_id, customer_import_id, seq, data) VALUES (%s, %s, %s, %s)",
                    tenant_id,
                    import_id,
                    seq,
                    chunk,
                )
            )
            seq += 1
    return seq


@asynccontextmanager
async def file_on_disk(tenant_id: UUID, import_id: UUID, suffix: str = "") -> AsyncIterator[Path]:
    """The import's file rebuilt in a temporary file (removed on exit), read chunk by chunk."""
    handle, name = tempfile.mkstemp(prefix="crm-import-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            seq = 0
            while True:
                row = await fetchrow(
                    Sql(
                        "SELECT data FROM import_chunk WHERE tenant_id = %s AND customer_import_id = %s AND seq = %s",
                        tenant_id,
                        import_id,
                        seq,
                    )
                )
                if row is None:
                    break
                await asyncio.to_thread(out.write, row["data"])
                seq += 1
        yield path
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
