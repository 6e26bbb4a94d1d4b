"""The dry run and the run: the file read again from PostgreSQL, row by row, in batches.

The run commits each batch in one transaction with its per-row records and the import's
counters and resume point (``applied_through``). A worker killed between batches leaves the
import RUNNING with the point after the last committed batch; running the job again goes on
from there, so every row is applied exactly once. The keys of the rows before the point were
saved with their batches (``seen``), so a later row repeating one of them is still a duplicate
in the file; those rows are only skipped over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import aclosing
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.authenticate import principal_for
from authz.policy_store import current_policy
from models import ImportMode, ImportStatus
from models.db import execute, fetchrow, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import outbox
from resolvers.custom_fields import load_definitions
from resolvers.imports.apply import write_batch
from resolvers.imports.decide import Cells, CheckedBatch, ImportContext, check_rows, decide
from resolvers.imports.mapping_store import targets_of
from resolvers.imports.reading import open_table
from resolvers.imports.records import add_progress, write_rows
from resolvers.imports.seen import InFileKeys, forget
from resolvers.imports.storage import file_on_disk

log = logging.getLogger("crm.imports")

BATCH_ROWS = 500


class Interrupted(Exception):
    """Raised by an ``after_batch`` hook to stop a run as a killed worker would: the import stays
    RUNNING and a new run of the job resumes it."""


# Called after each committed batch of a run with (import id, batches done): tests use it to
# simulate a worker dying between batches.
after_batch: list[Callable[[UUID, int], None]] = []


async def load(tenant_id: UUID, import_id: UUID, lock: bool = False) -> dict[str, Any] | None:
    return await fetchrow(
        Sql(
            "SELECT * FROM customer_import WHERE id = %s AND tenant_id = %s" + (" FOR UPDATE" if lock else ""),
            import_id,
            tenant_id,
        )
    )


async def set_status(tenant_id: UUID, import_id: UUID, status: ImportStatus, extra: str = "", *args: Any) -> None:
    await execute(
        Sql(
            f"UPDATE customer_import SET status = %s, updated_at = now(){extra} WHERE id = %s AND tenant_id = %s",
            status.value,
            *args,
            import_id,
            tenant_id,
        )
    )


async def context_for(row: dict[str, Any]) -> ImportContext:
    """The import's context, acting as whoever started it (as they are now)."""
    principal = await principal_for(
        row["tenant_id"], user_id=row["created_by_id"], api_key_id=row["created_by_api_key_id"]
    )
    return ImportContext(
        access=Access(principal, current_policy()),
        import_id=row["id"],
        number=row["number"],
        mode=ImportMode(row["mode"]),
        headers=list(row["headers"]),
        targets=targets_of(row["mapping"], list(row["headers"])),
        fields=await load_definitions(row["tenant_id"]),
    )


def _batches(rows: Iterator[tuple[int, Cells]], after: int = 0) -> Iterator[list[tuple[int, Cells]]]:
    """The rows past row ``after`` (a resumed run's point), BATCH_ROWS at a time."""
    batch: list[tuple[int, Cells]] = []
    for row in rows:
        if row[0] <= after:
            continue
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


async def _checked(
    ctx: ImportContext, rows: Iterator[tuple[int, Cells]], after: int = 0
) -> AsyncGenerator[CheckedBatch, None]:
    """The file's batches, each read and checked (``check_rows``) in a thread while the caller
    writes the one before: the checks are CPU, the writes mostly waiting for PostgreSQL. One batch
    is checked ahead, so memory stays two batches wide."""
    batches = _batches(rows, after)

    def read_and_check() -> CheckedBatch | None:
        batch = next(batches, None)
        return None if batch is None else check_rows(ctx, batch)

    ahead = asyncio.ensure_future(asyncio.to_thread(read_and_check))
    try:
        while (checked := await ahead) is not None:
            ahead = asyncio.ensure_future(asyncio.to_thread(read_and_check))
            yield checked
    finally:
        # Stopped early: the batch in flight is left to finish (a thread cannot be cancelled), unused.
        await asyncio.wait([ahead])
        if not ahead.cancelled():
            ahead.exception()  # retrieved, so a failure there is not reported as never retrieved


_RESET = (
    "total = 0, processed = 0, created = 0, updated = 0, skipped = 0, failed = 0, conflicts = 0, "
    "duplicates_in_file = 0, applied_through = 0"
)


async def run_plan(tenant_id: UUID, import_id: UUID) -> None:
    """The dry run: every row's action recorded, nothing else written. Safe to run again."""
    row = await load(tenant_id, import_id)
    if row is None or row["status"] != ImportStatus.PLANNING.value:
        return
    ctx = await context_for(row)
    async with in_transaction():
        await execute(
            Sql("DELETE FROM import_row WHERE tenant_id = %s AND customer_import_id = %s", tenant_id, import_id)
        )
        await execute(
            Sql(f"UPDATE customer_import SET {_RESET} WHERE id = %s AND tenant_id = %s", import_id, tenant_id)
        )
        await forget(tenant_id, import_id)
    seen = InFileKeys(tenant_id, import_id)
    async with file_on_disk(tenant_id, import_id) as path:
        table = open_table(path, filename=row["file_name"], content_type=None, max_bytes=row["size_bytes"])
        async with aclosing(_checked(ctx, table.rows())) as batches:
            async for checked in batches:
                decisions = await decide(ctx, checked, seen, lock=False)
                async with in_transaction():
                    await write_rows(tenant_id, import_id, decisions, applied=False)
                    await add_progress(tenant_id, import_id, decisions, checked.rows[-1].row_number)
                    await seen.save()
    async with in_transaction():
        await set_status(
            tenant_id, import_id, ImportStatus.PLANNED, ", total = processed, planned_mode = %s", ctx.mode.value
        )
        await forget(tenant_id, import_id)


async def _begin_run(tenant_id: UUID, import_id: UUID) -> dict[str, Any] | None:
    """QUEUED -> RUNNING (the dry run's records make way for the run's); a RUNNING import is
    resumed as it is. None when there is nothing to run."""
    async with in_transaction():
        row = await load(tenant_id, import_id, lock=True)
        if row is None:
            return None
        if row["status"] == ImportStatus.QUEUED.value:
            await execute(
                Sql("DELETE FROM import_row WHERE tenant_id = %s AND customer_import_id = %s", tenant_id, import_id)
            )
            await execute(
                Sql(
                    f"UPDATE customer_import SET {_RESET}, status = %s, started_at = now(), updated_at = now() "
                    "WHERE id = %s AND tenant_id = %s",
                    ImportStatus.RUNNING.value,
                    import_id,
                    tenant_id,
                )
            )
            await forget(tenant_id, import_id)
            return await load(tenant_id, import_id)
        return row if row["status"] == ImportStatus.RUNNING.value else None


async def _apply(ctx: ImportContext, checked: CheckedBatch, seen: InFileKeys, resume_from: int) -> bool:
    """One batch in one transaction; False when another worker moved the resume point meanwhile."""
    tenant_id, import_id = ctx.tenant_id, ctx.import_id
    async with in_transaction():
        locked = await load(tenant_id, import_id, lock=True)
        if locked is None or locked["status"] != ImportStatus.RUNNING.value or locked["applied_through"] != resume_from:
            return False
        # Locked FOR SHARE like every customer write: no definition changes under the batch.
        ctx.fields = await load_definitions(tenant_id, lock=True)
        decisions = await decide(ctx, checked, seen, lock=True)
        await write_batch(ctx, decisions)
        await write_rows(tenant_id, import_id, decisions, applied=True)
        await add_progress(tenant_id, import_id, decisions, checked.rows[-1].row_number)
        await seen.save()
    return True


async def run_import(tenant_id: UUID, import_id: UUID) -> None:
    """The run (or its resumption after a crash)."""
    row = await _begin_run(tenant_id, import_id)
    if row is None:
        return
    ctx = await context_for(row)
    done = row["applied_through"]
    seen = InFileKeys(tenant_id, import_id)
    batches = 0
    async with file_on_disk(tenant_id, import_id) as path:
        table = open_table(path, filename=row["file_name"], content_type=None, max_bytes=row["size_bytes"])
        async with aclosing(_checked(ctx, table.rows(), after=done)) as checked_batches:
            async for checked in checked_batches:
                if not await _apply(ctx, checked, seen, done):
                    log.warning("import %s: another worker is running it; leaving it alone", import_id)
                    return
                done = checked.rows[-1].row_number
                batches += 1
                for hook in after_batch:
                    hook(import_id, batches)
    async with in_transaction():
        await set_status(tenant_id, import_id, ImportStatus.FINISHED, ", total = processed, finished_at = now()")
        await forget(tenant_id, import_id)
        await outbox.emit(ctx.access, WebhookEventType.IMPORT_FINISHED, "Import", import_id)


async def fail(tenant_id: UUID, import_id: UUID, message: str) -> None:
    async with in_transaction():
        await set_status(
            tenant_id, import_id, ImportStatus.FAILED, ", error_message = %s, finished_at = now()", message
        )
        # An import that stopped has ended too: the event's import says FAILED and how far it got.
        await outbox.emit(tenant_id, WebhookEventType.IMPORT_FINISHED, "Import", import_id)
