"""How a mapping is kept on the import: one entry per column of the file, in the file's order
(``[{"column": header, "kind": "FIELD", "field": "email"}, ...]``), so repeated headers keep
their own targets."""

from __future__ import annotations

from typing import Any

from resolvers.imports.mapping import ColumnTarget, TargetKind


def to_stored(headers: list[str], targets: list[ColumnTarget | None]) -> list[dict[str, Any]]:
    return [
        {
            "column": header,
            "kind": (target.kind if target else TargetKind.IGNORE).name,
            "field": target.field if target else None,
        }
        for header, target in zip(headers, targets, strict=True)
    ]


def targets_of(stored: list[dict[str, Any]] | None, headers: list[str]) -> list[ColumnTarget | None]:
    """The target of each column (None: ignored)."""
    out: list[ColumnTarget | None] = []
    entries = list(stored or [])
    for index, _ in enumerate(headers):
        entry = entries[index] if index < len(entries) else None
        kind = TargetKind[entry["kind"]] if entry else TargetKind.IGNORE
        out.append(None if kind is TargetKind.IGNORE else ColumnTarget(kind, entry.get("field") if entry else None))
    return out
