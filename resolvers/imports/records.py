"""Per-row records and the import's counters, written in the transaction of the rows they cover."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from uuid import UUID

from models import RowAction
from models.db import execute
from models.sql import Sql
from resolvers.imports.decide import Decision

# Rows whose cells are kept: the ones the error report lists, to be fixed and uploaded again.
KEEP_CELLS = frozenset({RowAction.ERROR, RowAction.CONFLICT, RowAction.DUPLICATE_IN_FILE})

COUNTER_OF = {
    RowAction.CREATE: "created",
    RowAction.UPDATE: "updated",
    RowAction.SKIP: "skipped",
    RowAction.ERROR: "failed",
    RowAction.CONFLICT: "conflicts",
    RowAction.DUPLICATE_IN_FILE: "duplicates_in_file",
}


async def write_rows(tenant_id: UUID, import_id: UUID, decisions: list[Decision], *, applied: bool) -> None:
    """Record each row's outcome (replacing what the dry run said about it), in one statement."""
    if not decisions:
        return
    records = [
        {
            "row_number": d.row_number,
            "action": d.action.value,
            "errors": d.errors,
            "cells": d.cells if d.action in KEEP_CELLS else [],
            "customer_id": d.customer_id,
            "before": d.before,
            "version_after": d.version_after,
        }
        for d in decisions
    ]
    await execute(
        Sql(
            "INSERT INTO import_row (tenant_id, customer_import_id, row_number, action, errors, cells, customer_id, "
            "before, version_after, applied) "
            "SELECT %s, %s, r.row_number, r.action, r.errors, r.cells, r.customer_id, r.before, r.version_after, %s "
            "FROM jsonb_to_recordset(%s::jsonb) AS r(row_number int, action text, errors jsonb, cells jsonb, "
            "customer_id uuid, before jsonb, version_after int) "
            "ON CONFLICT (tenant_id, customer_import_id, row_number) DO UPDATE SET action = EXCLUDED.action, "
            "errors = EXCLUDED.errors, cells = EXCLUDED.cells, customer_id = EXCLUDED.customer_id, "
            "before = EXCLUDED.before, version_after = EXCLUDED.version_after, applied = EXCLUDED.applied",
            tenant_id,
            import_id,
            applied,
            json.dumps(records, default=str, ensure_ascii=False),
        )
    )


async def add_progress(tenant_id: UUID, import_id: UUID, decisions: list[Decision], through: int) -> None:
    """Count the batch and move the resume point past it."""
    counts: Counter[str] = Counter(COUNTER_OF[d.action] for d in decisions)
    sets = "".join(f", {column} = {column} + %s" for column in COUNTER_OF.values())
    await execute(
        Sql(
            f"UPDATE customer_import SET processed = processed + %s{sets}, applied_through = %s, "
            "updated_at = now() WHERE id = %s AND tenant_id = %s",
            len(decisions),
            *(counts.get(column, 0) for column in COUNTER_OF.values()),
            through,
            import_id,
            tenant_id,
        )
    )


def counts_of(row: dict[str, Any]) -> dict[str, int]:
    return {column: row[column] for column in ("total", "processed", *COUNTER_OF.values())}
