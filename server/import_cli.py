"""`crm import FILE --tenant SLUG`: an import of a large file by an administrator, with the engine the
API uses (upload, dry run, run), its jobs run in this process, and a progress bar.

The jobs go through the queue like any other: this process drains it (so it may also run other
queued jobs, as any worker would), and when another worker has claimed the import's job first, it
just follows the progress that worker records.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from authz import policy_store
from authz.access import Access
from authz.authenticate import principal_for
from authz.policy_store import PolicyStore
from models import ImportMode, ImportStatus
from models.db import fetchrow
from models.sql import Sql
from resolvers.imports import service
from resolvers.imports.reading import open_table
from resolvers.jobs import runner
from resolvers.jobs.handlers import load_handlers
from server.database import asyncpg_params
from server.import_options import create_with_options
from server.import_routes import report_chunks, report_delimiter

_WAITING = {ImportStatus.PLANNING.value, ImportStatus.QUEUED.value, ImportStatus.RUNNING.value}
_POLL_SECONDS = 0.3


class ImportCliError(Exception):
    """Stops the command with a message for the user (and exit code 2: bad input or setup)."""


@dataclass
class Outcome:
    row: dict[str, Any]
    report: Path | None


async def _actor(tenant_slug: str, email: str | None) -> Access:
    """The user the import acts as: ``email``, or the company's first active admin."""
    tenant = await fetchrow(Sql("SELECT id FROM tenant WHERE slug = %s", tenant_slug))
    if tenant is None:
        raise ImportCliError(f"No tenant {tenant_slug!r}.")
    who = Sql(" AND email = %s", email.strip().lower()) if email else Sql(" AND role = 'admin'")
    where = Sql("tenant_id = %s AND is_active", tenant["id"]) + who
    user = await fetchrow(Sql("SELECT id FROM app_user WHERE ") + where + Sql(" ORDER BY created_at, id LIMIT 1"))
    if user is None:
        raise ImportCliError(
            f"No active user {email} in tenant {tenant_slug}."
            if email
            else f"Tenant {tenant_slug} has no active admin."
        )
    principal = await principal_for(tenant["id"], user_id=user["id"], api_key_id=None)
    return Access(principal, policy_store.current_policy())


def _count_rows(path: Path, max_bytes: int) -> int:
    return sum(1 for _ in open_table(path, filename=path.name, max_bytes=max_bytes).rows())


async def _drain(url: str) -> None:
    connection = await asyncpg.connect(**asyncpg_params(url), server_settings={"application_name": "crm-import"})
    try:
        await runner.run(runner.queue_manager(connection), concurrency=runner.MIN_CONCURRENCY, drain=True)
    finally:
        await connection.close()


async def _follow(url: str, tenant_id: UUID, import_id: UUID, progress: Progress, label: str, total: int) -> None:
    """Run the queued jobs here and show the import's progress until its job is over."""
    task = progress.add_task(label, total=total)
    draining = asyncio.create_task(_drain(url))
    try:
        while True:
            row = await fetchrow(
                Sql(
                    "SELECT status, processed FROM customer_import WHERE id = %s AND tenant_id = %s",
                    import_id,
                    tenant_id,
                )
            )
            assert row is not None
            progress.update(task, completed=row["processed"])
            if row["status"] not in _WAITING:
                break
            if draining.done():
                draining.result()  # raises what the worker raised
            await asyncio.sleep(_POLL_SECONDS)
        progress.update(task, completed=row["processed"], total=max(total, row["processed"]))
    finally:
        if not draining.done():
            await draining  # the queue is empty once our job is over; let it notice
        with contextlib.suppress(asyncio.CancelledError):
            await draining


async def write_report(access: Access, import_id: UUID, target: Path) -> None:
    delimiter = report_delimiter(await service.get_import(access, import_id))
    headers, rows = await service.error_report_rows(access, import_id)
    with target.open("wb") as out:
        async for chunk in report_chunks(headers, rows, delimiter):
            out.write(chunk)


async def run_cli_import(
    url: str,
    path: Path,
    *,
    tenant: str,
    policy_dir: Path,
    max_bytes: int,
    as_email: str | None = None,
    mapping: Any = None,
    upsert: bool = False,
    dry_run: bool = False,
    report_path: Path | None = None,
    console: Console | None = None,
) -> Outcome:
    policy_store.install(PolicyStore(policy_dir))
    load_handlers()
    console = console or Console(stderr=True)
    access = await _actor(tenant, as_email)
    total = await asyncio.to_thread(_count_rows, path, max_bytes)
    mode = ImportMode.UPSERT if upsert else ImportMode.CREATE_ONLY
    row = await create_with_options(
        access, path, file_name=path.name, content_type=None, max_bytes=max_bytes, mode=mode, mapping=mapping
    )
    import_id, tenant_id = row["id"], row["tenant_id"]
    console.print(f"Import #{row['number']} of {path.name}: {total} rows, mode {mode.value}")
    for header, target in zip(row["headers"], service.mapping_of(row), strict=False):
        where = "ignored" if target is None or target.kind == "ignore" else f"{target.kind} {target.field or ''}"
        console.print(f"  {header} -> {where.strip()}")
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        await service.plan_import(access, import_id, mode)
        await _follow(url, tenant_id, import_id, progress, "Dry run", total)
        row = await service.get_import(access, import_id)
        if not dry_run and row["status"] == ImportStatus.PLANNED.value:
            await service.start_import(access, import_id, mode)
            await _follow(url, tenant_id, import_id, progress, "Import", total)
    row = await service.get_import(access, import_id)
    report = None
    if row["failed"] + row["conflicts"] + row["duplicates_in_file"] > 0:
        report = report_path or path.with_name(f"{path.stem}.import-{row['number']}-erros.csv")
        await write_report(access, import_id, report)
    return Outcome(row, report)
