"""Exporting the customer list: asking for an export, downloading it, the background run and the
expiry.

An export lists exactly what the caller's ``customers`` list shows with the same arguments (or
what a saved list shows), narrowed by their ``customer:export`` scope, with contact data withheld
as everywhere. A small one (up to ``CONFIG.inline_max_rows``) is written when downloaded, from
``GET /exports/{id}``; a larger one by a background job, into a file kept in PostgreSQL until it
expires (24 h). Every export is in the audit log, in the transaction that records it.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from authz.access import Access
from authz.authenticate import principal_for
from authz.catalogue import P
from authz.errors import Forbidden, Unauthenticated
from authz.policy_store import current_policy
from authz.rows import locate
from models import ExportFormat, ExportStatus
from models.db import execute, fetch, fetchrow, in_transaction
from models.sql import Sql
from resolvers.audit import record_audit
from resolvers.custom_fields import load_definitions
from resolvers.errors import NotFound
from resolvers.exports.arguments import ExportArguments, plan_for
from resolvers.exports.columns import choose
from resolvers.exports.config import CONFIG
from resolvers.exports.produce import write_export
from resolvers.exports.source import count_up_to, narrowed
from resolvers.exports.storage import read_file, store_file
from resolvers.jobs import enqueue

log = logging.getLogger("crm.exports")

RUN_JOB = "export.run"
# Files up to this size stay in memory while written; larger ones spill to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024

COLUMNS = (
    "id, tenant_id, created_by_id, created_by_api_key_id, format, status, arguments, row_count, size_bytes, "
    "error, created_at, finished_at, expires_at"
)


def status_of(row: dict[str, Any]) -> ExportStatus:
    """The export's status now: a file past its time is expired, whether or not the expiry job
    has removed it yet."""
    status = ExportStatus(row["status"])
    if status in (ExportStatus.READY, ExportStatus.FINISHED) and row["expires_at"] <= datetime.now(UTC):
        return ExportStatus.EXPIRED
    return status


def _audit_details(arguments: ExportArguments, fmt: ExportFormat, row_count: int | None) -> dict[str, Any]:
    return {
        "format": fmt.value,
        "filter": arguments.filter,
        "search": arguments.search,
        "portfolio": arguments.portfolio.value if arguments.portfolio else None,
        "sort": {"field": arguments.sort.field.value, "descending": arguments.sort.descending}
        if arguments.sort
        else None,
        "savedFilterId": str(arguments.saved_filter_id) if arguments.saved_filter_id else None,
        "columns": arguments.columns,
        "rowCount": row_count,
    }


async def create_export(access: Access, fmt: ExportFormat, arguments: ExportArguments) -> dict[str, Any]:
    """Record an export of the caller's list (checked now, as the list checks its arguments)."""
    access.require(P.CUSTOMER_EXPORT)
    arguments.check()
    choose(await load_definitions(access.principal.tenant_id), arguments.columns)  # refuses unknown columns
    plan = narrowed(access, await plan_for(access, arguments))
    counted = await count_up_to(plan, CONFIG.inline_max_rows + 1)
    inline = counted <= CONFIG.inline_max_rows
    p = access.principal
    export_id = uuid4()
    async with in_transaction():
        row = await fetchrow(
            Sql(
                "INSERT INTO customer_export (id, tenant_id, created_by_id, created_by_api_key_id, format, status, "
                "arguments, row_count, finished_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s, "
                f"CASE WHEN %s THEN now() END, now() + %s::interval) RETURNING {COLUMNS}",
                export_id,
                p.tenant_id,
                p.user_id,
                p.api_key_id,
                fmt.value,
                (ExportStatus.READY if inline else ExportStatus.QUEUED).value,
                arguments.to_json(),
                counted if inline else None,
                inline,
                CONFIG.keep_for,
            )
        )
        await record_audit(
            access,
            "customer.export",
            "Export",
            export_id,
            details=_audit_details(arguments, fmt, counted if inline else None),
        )
        if not inline:
            await enqueue(RUN_JOB, {"tenant_id": str(p.tenant_id), "export_id": str(export_id)})
    assert row is not None
    return row


async def get_export(access: Access, export_id: UUID) -> dict[str, Any]:
    """The caller's own export (anyone else's, or another company's, is not found)."""
    if await locate(access, "Export", export_id) is None:
        raise NotFound("Export", str(export_id))
    row = await fetchrow(Sql(f"SELECT {COLUMNS} FROM customer_export WHERE id = %s", export_id))
    assert row is not None
    return row


class NotDownloadable(Exception):
    """The export has no file to give: still being written, failed, or expired (``status``)."""

    def __init__(self, status: ExportStatus) -> None:
        super().__init__(status.value)
        self.status = status


async def download(access: Access, export_id: UUID) -> tuple[dict[str, Any], AsyncIterator[bytes]]:
    """The export and its file's bytes. A small one is written now, as the caller may see it now."""
    row = await get_export(access, export_id)
    status = status_of(row)
    if status is ExportStatus.FINISHED:
        return row, read_file(row["tenant_id"], export_id)
    if status is not ExportStatus.READY:
        raise NotDownloadable(status)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by the iterator)
    try:
        count = await write_export(
            access, ExportArguments.from_json(row["arguments"]), ExportFormat(row["format"]), spool
        )
    except BaseException:
        spool.close()
        raise
    await execute(
        Sql(
            "UPDATE customer_export SET row_count = %s WHERE id = %s AND tenant_id = %s",
            count,
            export_id,
            row["tenant_id"],
        )
    )
    return {**row, "row_count": count}, _chunks(spool)


async def _chunks(spool: Any) -> AsyncIterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(1024 * 1024):
            yield chunk
    finally:
        spool.close()


# --- the background run and the expiry --------------------------------------------------------


async def _set(tenant_id: UUID, export_id: UUID, assignments: str, *params: Any) -> None:
    await execute(
        Sql(f"UPDATE customer_export SET {assignments} WHERE id = %s AND tenant_id = %s", *params, export_id, tenant_id)
    )


async def run_export(tenant_id: UUID, export_id: UUID) -> None:
    """Write a large export's file, acting as whoever asked for it (as they are now: a grant taken
    away since is taken away from the file too). The file, its row count and the audit's count are
    committed together, so a worker that dies before leaves nothing behind and the rerun starts over."""
    row = await fetchrow(Sql("SELECT * FROM customer_export WHERE id = %s AND tenant_id = %s", export_id, tenant_id))
    if row is None or row["status"] not in (ExportStatus.QUEUED.value, ExportStatus.RUNNING.value):
        return
    await expire_exports()  # the worker's housekeeping: files past their time go before a new one is stored
    await _set(tenant_id, export_id, "status = %s", ExportStatus.RUNNING.value)
    try:
        principal = await principal_for(
            tenant_id, user_id=row["created_by_id"], api_key_id=row["created_by_api_key_id"]
        )
    except Unauthenticated:
        await fail_export(tenant_id, export_id, "Whoever asked for the export can no longer sign in.")
        return
    access = Access(principal, current_policy())
    if not access.can(P.CUSTOMER_EXPORT):
        await fail_export(tenant_id, export_id, str(Forbidden(P.CUSTOMER_EXPORT.refusal())))
        return
    arguments = ExportArguments.from_json(row["arguments"])
    fmt = ExportFormat(row["format"])
    with tempfile.TemporaryFile(prefix="crm-export-") as file:
        count = await write_export(access, arguments, fmt, file)
        async with in_transaction():
            size = await store_file(tenant_id, export_id, file)
            await _set(
                tenant_id,
                export_id,
                "status = %s, row_count = %s, size_bytes = %s, finished_at = now(), expires_at = now() + %s::interval",
                ExportStatus.FINISHED.value,
                count,
                size,
                CONFIG.keep_for,
            )
            # The entry written when it was asked for learns how many rows it held.
            await execute(
                Sql(
                    "UPDATE audit_entry SET details = details || jsonb_build_object('rowCount', %s::bigint) "
                    "WHERE tenant_id = %s AND object_type = 'Export' AND object_id = %s AND action = 'customer.export'",
                    count,
                    tenant_id,
                    export_id,
                )
            )


async def fail_export(tenant_id: UUID, export_id: UUID, message: str) -> None:
    await _set(tenant_id, export_id, "status = %s, error = %s, finished_at = now()", ExportStatus.FAILED.value, message)


async def expire_exports() -> int:
    """Remove the files of every export past its time (in every company); answer how many."""
    async with in_transaction():
        rows = await fetch(
            Sql(
                "UPDATE customer_export SET status = %s WHERE expires_at <= now() AND status <> %s RETURNING id, tenant_id",
                ExportStatus.EXPIRED.value,
                ExportStatus.EXPIRED.value,
            )
        )
        if rows:
            await execute(
                Sql("DELETE FROM export_chunk WHERE customer_export_id = ANY(%s::uuid[])", [r["id"] for r in rows])
            )
    return len(rows)
