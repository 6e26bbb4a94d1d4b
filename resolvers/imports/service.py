"""The import use cases, callable from GraphQL, HTTP routes, the CLI and tests alike."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from authz.access import Access
from authz.catalogue import P, Permission, Scope
from authz.errors import Forbidden
from authz.rows import visible_rows
from models import ImportMode, ImportStatus, RowAction
from models.db import execute, fetch, fetchrow, fetchval, in_transaction
from models.sql import TRUE, Sql, and_
from resolvers.audit import record_audit
from resolvers.cursors import ListCursors
from resolvers.custom_fields import load_definitions
from resolvers.errors import FieldErrorCode, NotFound, ValidationFailed
from resolvers.imports.mapping import ColumnTarget, TargetKind, check_mapping, suggest_mapping
from resolvers.imports.mapping_store import targets_of, to_stored
from resolvers.imports.reading import MAX_BYTES, open_table
from resolvers.imports.storage import store_file
from resolvers.jobs import enqueue
from resolvers.locate import locate_or_refuse
from resolvers.pagination import page_size

PLAN_JOB = "import.plan"
RUN_JOB = "import.run"
REVERT_JOB = "import.revert"

# Before a run, the mapping and the mode may still change (a new dry run follows).
_EDITABLE = (ImportStatus.UPLOADED.value, ImportStatus.PLANNED.value, ImportStatus.FAILED.value)


def _editable(row: dict[str, Any]) -> bool:
    """Not run yet (a failed dry run included); a run that failed half-way can only be resumed."""
    return row["status"] in _EDITABLE and row["started_at"] is None


def _may_map_owner(access: Access) -> bool:
    """Admins and supervisors import for the whole company and may choose owners."""
    return access.scope(P.IMPORT_CREATE) is Scope.ALL and access.can(P.CUSTOMER_ASSIGN)


def _require_create(access: Access) -> None:
    access.require(P.IMPORT_CREATE)
    if not _may_map_owner(access) and access.principal.user_id is None:
        # Into whose portfolio? A key acting for nobody has none.
        raise Forbidden("Your role may import only into your own portfolio, and this API key is not bound to a user.")


async def _custom_fields(access: Access) -> list[tuple[str, str]]:
    return [(f.key, f.label) for f in await load_definitions(access.principal.tenant_id) if not f.archived]


def suggested(access: Access, headers: list[str], fields: list[tuple[str, str]]) -> list[ColumnTarget]:
    """The suggested mapping; the owner column only for who may choose owners."""
    targets = suggest_mapping(headers, fields)
    if not _may_map_owner(access):
        targets = [ColumnTarget(TargetKind.IGNORE) if t.kind is TargetKind.OWNER else t for t in targets]
    return targets


async def suggested_mapping(access: Access, row: dict[str, Any]) -> list[ColumnTarget]:
    return suggested(access, list(row["headers"]), await _custom_fields(access))


async def create_import(
    access: Access,
    path: Path,
    *,
    file_name: str,
    content_type: str | None = None,
    mode: ImportMode = ImportMode.CREATE_ONLY,
    max_bytes: int = MAX_BYTES,
) -> dict[str, Any]:
    """Read the file's headers (an unreadable file raises ``UnreadableFile`` and creates nothing),
    keep the file, and answer the new import with the suggested mapping as its mapping."""
    _require_create(access)
    p = access.principal
    table = await asyncio.to_thread(
        open_table, path, filename=file_name, content_type=content_type, max_bytes=max_bytes
    )
    size = (await asyncio.to_thread(path.stat)).st_size
    headers = list(table.headers)
    mapping = to_stored(headers, list(suggested(access, headers, await _custom_fields(access))))
    import_id = uuid4()
    async with in_transaction():
        # Numbers are per company and gapless enough: one creator at a time per company.
        await execute(
            Sql("SELECT pg_advisory_xact_lock(hashtextextended('customer_import:' || %s::uuid::text, 0))", p.tenant_id)
        )
        number = await fetchval(
            Sql("SELECT coalesce(max(number), 0) + 1 FROM customer_import WHERE tenant_id = %s", p.tenant_id)
        )
        await execute(
            Sql(
                "INSERT INTO customer_import (id, tenant_id, number, created_by_id, created_by_api_key_id, file_name, "
                "format, size_bytes, encoding, delimiter, headers, mapping, mode, status, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, now())",
                import_id,
                p.tenant_id,
                number,
                p.user_id,
                p.api_key_id,
                file_name[:255],
                table.format,
                size,
                table.encoding,
                table.delimiter,
                _json(headers),
                _json(mapping),
                mode.value,
                ImportStatus.UPLOADED.value,
            )
        )
        await store_file(p.tenant_id, import_id, path)
        await record_audit(
            access,
            "import.create",
            "Import",
            import_id,
            after={"number": number, "fileName": file_name[:255], "mode": mode.name},
            details={"sizeBytes": size},
        )
    return await get_import(access, import_id)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def get_import(access: Access, import_id: UUID) -> dict[str, Any]:
    """The import if the caller may see it; NotFound otherwise (another company's included)."""
    access.require(P.IMPORT_READ)
    row = await fetchrow(Sql("SELECT i.* FROM customer_import i WHERE i.id = %s AND ", import_id) + _visible(access))
    if row is None:
        raise NotFound("Import", str(import_id))
    return row


def _visible(access: Access) -> Sql:
    return visible_rows(access, "Import", "i")


async def _for(access: Access, import_id: UUID, perm: Permission) -> dict[str, Any]:
    access.require(perm)
    return await locate_or_refuse(access, "Import", perm, import_id, columns="i.*", alias="i")


def _not_now(row: dict[str, Any], what: str) -> ValidationFailed:
    return ValidationFailed.one("id", FieldErrorCode.NOT_ALLOWED, f"cannot {what} an import that is {row['status']}")


async def update_mapping(access: Access, import_id: UUID, mapping: list[ColumnTarget]) -> dict[str, Any]:
    """Set the mapping (one target per column of the file). A dry run made before is stale."""
    _require_create(access)
    async with in_transaction():
        row = await _for(access, import_id, P.IMPORT_CREATE)
        if not _editable(row):
            raise _not_now(row, "change the mapping of")
        headers = list(row["headers"])
        if len(mapping) != len(headers):
            raise ValidationFailed.one(
                "mapping", FieldErrorCode.INVALID, f"must give one target per column ({len(headers)})"
            )
        keys = {f.key for f in await load_definitions(access.principal.tenant_id) if not f.archived}
        problems = check_mapping(mapping, headers, keys)
        if not _may_map_owner(access):
            problems += [
                f"column '{h}': your role imports into your own portfolio only and cannot map an owner"
                for h, t in zip(headers, mapping, strict=True)
                if t.kind is TargetKind.OWNER
            ]
        if problems:
            raise ValidationFailed.one("mapping", FieldErrorCode.INVALID, "; ".join(problems))
        # The dry run's answers were for the old mapping: they go.
        await execute(
            Sql(
                "DELETE FROM import_row WHERE tenant_id = %s AND customer_import_id = %s",
                access.principal.tenant_id,
                import_id,
            )
        )
        stored = to_stored(headers, list(mapping))
        await execute(
            Sql(
                "UPDATE customer_import SET mapping = %s::jsonb, status = %s, planned_mode = NULL, updated_at = now(), "
                "total = 0, processed = 0, created = 0, updated = 0, skipped = 0, failed = 0, conflicts = 0, "
                "duplicates_in_file = 0, applied_through = 0 WHERE id = %s AND tenant_id = %s",
                _json(stored),
                ImportStatus.UPLOADED.value,
                import_id,
                access.principal.tenant_id,
            )
        )
        # The columns whose target changed, as the API names targets (column, kind, field).
        previous = to_stored(headers, targets_of(row["mapping"], headers))
        changed = [i for i, (a, b) in enumerate(zip(previous, stored, strict=True)) if a != b]
        if changed:
            await record_audit(
                access,
                "import.mapping_change",
                "Import",
                import_id,
                before={"mapping": [previous[i] for i in changed]},
                after={"mapping": [stored[i] for i in changed]},
            )
    return await get_import(access, import_id)


async def _queue(
    access: Access, import_id: UUID, perm: Permission, allowed: Callable[[dict[str, Any]], bool],
    status: ImportStatus | Callable[[dict[str, Any]], ImportStatus], job: str, what: str, mode: ImportMode | None = None,
) -> dict[str, Any]:  # fmt: skip
    async with in_transaction():
        row = await _for(access, import_id, perm)
        if not allowed(row):
            raise _not_now(row, what)
        if callable(status):
            status = status(row)
        if row["started_at"] is not None:
            mode = None  # a run keeps the mode it started with
        await execute(
            Sql(
                "UPDATE customer_import SET status = %s, mode = coalesce(%s, mode), error_message = NULL, "
                "updated_at = now() WHERE id = %s AND tenant_id = %s",
                status.value,
                mode.value if mode else None,
                import_id,
                access.principal.tenant_id,
            )
        )
        payload = {"tenant_id": str(access.principal.tenant_id), "import_id": str(import_id)}
        await enqueue(job, payload, dedupe_key=f"{job}:{import_id}")
        await record_audit(
            access,
            f"import.{what}",
            "Import",
            import_id,
            before={"status": ImportStatus(row["status"]).name},
            after={"status": status.name},
            details={"number": row["number"], "mode": ImportMode(mode.value if mode else row["mode"]).name},
        )
    return await get_import(access, import_id)


async def plan_import(access: Access, import_id: UUID, mode: ImportMode | None = None) -> dict[str, Any]:
    """Queue the dry run."""
    _require_create(access)
    return await _queue(access, import_id, P.IMPORT_CREATE, _editable, ImportStatus.PLANNING, PLAN_JOB, "plan", mode)


async def start_import(access: Access, import_id: UUID, mode: ImportMode | None = None) -> dict[str, Any]:
    """Queue the run; a run that failed half-way is resumed where it stopped (in its own mode)."""
    _require_create(access)

    def resumable(row: dict[str, Any]) -> bool:
        return row["status"] == ImportStatus.FAILED.value and row["started_at"] is not None

    return await _queue(
        access, import_id, P.IMPORT_CREATE, lambda r: _editable(r) or resumable(r),
        lambda r: ImportStatus.RUNNING if resumable(r) else ImportStatus.QUEUED, RUN_JOB, "start",
        mode,
    )  # fmt: skip


def _revertible(row: dict[str, Any]) -> bool:
    """Finished, or failed part-way (a row it could not read): what it applied can be undone."""
    return row["status"] == ImportStatus.FINISHED.value or (
        row["status"] == ImportStatus.FAILED.value and row["started_at"] is not None
    )


async def revert_import(access: Access, import_id: UUID) -> dict[str, Any]:
    """Queue the revert of a finished import, or of one that failed part-way."""
    return await _queue(
        access, import_id, P.IMPORT_REVERT, _revertible,
        ImportStatus.REVERTING, REVERT_JOB,
        "revert",
    )  # fmt: skip


@dataclass
class Page:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    total_count: Callable[[], Awaitable[int]]


async def list_imports(
    access: Access, *, first: int | None, after: str | None, status: ImportStatus | None = None
) -> Page:
    """The caller's visible imports, newest first."""
    access.require(P.IMPORT_READ)
    limit = page_size(first)
    cursors = ListCursors.of(access.principal, "imports", status=status.value if status else None)
    where = and_(_visible(access), Sql("i.status = %s", status.value) if status else TRUE)
    page_where = where
    if after:
        (number,) = cursors.decode(after, 1)
        page_where = and_(where, Sql("i.number < %s", int(number)))
    rows = await fetch(
        Sql("SELECT i.* FROM customer_import i WHERE ")
        + page_where
        + Sql(" ORDER BY i.number DESC LIMIT %s", limit + 1)
    )

    async def total() -> int:
        return int(await fetchval(Sql("SELECT count(*) FROM customer_import i WHERE ") + where))

    shown = rows[:limit]
    return Page(shown, [cursors.encode([r["number"]]) for r in shown], len(rows) > limit, total)


async def import_rows(
    access: Access, row: dict[str, Any], *, action: RowAction | None, first: int | None, after: str | None
) -> Page:
    """The per-row records of a visible import, in file order."""
    limit = page_size(first)
    cursors = ListCursors.of(access.principal, "importRows", id=row["id"], action=action.value if action else None)
    where = Sql("r.tenant_id = %s AND r.customer_import_id = %s", row["tenant_id"], row["id"])
    if action:
        where = and_(where, Sql("r.action = %s", action.value))
    page_where = where
    if after:
        (number,) = cursors.decode(after, 1)
        page_where = and_(where, Sql("r.row_number > %s", int(number)))
    rows = await fetch(
        Sql("SELECT r.* FROM import_row r WHERE ") + page_where + Sql(" ORDER BY r.row_number LIMIT %s", limit + 1)
    )

    async def total() -> int:
        return int(await fetchval(Sql("SELECT count(*) FROM import_row r WHERE ") + where))

    shown = rows[:limit]
    return Page(shown, [cursors.encode([r["row_number"]]) for r in shown], len(rows) > limit, total)


async def error_report_rows(access: Access, import_id: UUID, *, batch: int = 1000) -> tuple[list[str], Any]:
    """The file's headers plus "error", and an async iterator of the rows that failed (errors,
    conflicts, duplicates in the file) with their cells and a readable error: the error report,
    ready to fix and upload again."""
    row = await get_import(access, import_id)
    width = len(row["headers"])
    if width > 1 and row["headers"][-1].strip().lower() == "error":
        width -= 1  # a report fixed and uploaded again: its old error column gives way to the new one
    headers = [*row["headers"][:width], "error"]

    async def rows() -> Any:
        last = 0
        while True:
            found = await fetch(
                Sql(
                    "SELECT row_number, cells, errors FROM import_row WHERE tenant_id = %s AND customer_import_id = %s "
                    "AND action = ANY(%s::text[]) AND row_number > %s ORDER BY row_number LIMIT %s",
                    row["tenant_id"],
                    row["id"],
                    [RowAction.ERROR.value, RowAction.CONFLICT.value, RowAction.DUPLICATE_IN_FILE.value],
                    last,
                    batch,
                )
            )
            for r in found:
                message = "; ".join(
                    f"{e.get('column') or e.get('field')}: {e.get('message')}" for e in r["errors"] or []
                )
                cells = list(r["cells"] or [])[:width]
                yield [*cells, *[""] * (width - len(cells)), message]
            if len(found) < batch:
                return
            last = found[-1]["row_number"]

    return headers, rows()


def mapping_of(row: dict[str, Any]) -> list[ColumnTarget | None]:
    return targets_of(row["mapping"], list(row["headers"]))
