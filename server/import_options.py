"""The options of an import as scripts pass them (POST /imports form fields, `crm import` flags):
the mode by name and a mapping as JSON.

A mapping is either the list GraphQL's updateImportMapping takes (one ``{"kind", "field"}`` per
column, in the file's order) or an object naming only the columns to change, by header, each
to a target object or a short name: a standard field ("email"), "tags", "owner", "ignore" or
"custom:<key>". Columns an object does not name keep the suggested target.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from authz.access import Access
from models import ImportMode
from models.db import in_transaction
from resolvers.imports import service
from resolvers.imports.mapping import IGNORE, ColumnTarget, TargetKind


class BadOption(ValueError):
    """An option that cannot be understood; the message says which and how to write it."""


def parse_mode(value: str | None) -> ImportMode | None:
    if value is None or not value.strip():
        return None
    folded = value.strip().lower().replace("-", "_")
    try:
        return ImportMode(folded)
    except ValueError:
        modes = ", ".join(m.value for m in ImportMode)
        raise BadOption(f'Unknown mode "{value}"; use one of: {modes}.') from None


def parse_mapping_json(text: str | None) -> Any:
    """The mapping's JSON, checked for shape only (the columns are checked against the file later)."""
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise BadOption("The mapping is not valid JSON.") from None
    if not isinstance(value, list | dict):
        raise BadOption("The mapping must be a JSON list (one target per column) or an object (header: target).")
    return value


def _kind(value: Any) -> TargetKind:
    try:
        return TargetKind(str(value).strip().lower())
    except ValueError:
        kinds = ", ".join(k.name for k in TargetKind)
        raise BadOption(f'Unknown target kind "{value}"; use one of: {kinds}.') from None


def _target(value: Any) -> ColumnTarget:
    if isinstance(value, dict):
        field = value.get("field")
        return ColumnTarget(_kind(value.get("kind")), str(field) if field is not None else None)
    if not isinstance(value, str) or not value.strip():
        raise BadOption(f"A mapping target must be an object or a name, not {json.dumps(value)}.")
    name = value.strip()
    if name.lower() in ("tags", "owner", "ignore"):
        return ColumnTarget(TargetKind(name.lower()))
    if name.lower().startswith("custom:"):
        return ColumnTarget(TargetKind.CUSTOM_FIELD, name.split(":", 1)[1].strip())
    return ColumnTarget(TargetKind.FIELD, name)


def resolve_mapping(value: Any, headers: list[str], suggested: list[ColumnTarget]) -> list[ColumnTarget]:
    """One target per column of the file, from a parsed mapping and the suggestion."""
    if isinstance(value, list):
        return [_target(item) for item in value]
    targets = list(suggested)
    folded = {h.strip().casefold(): i for i, h in enumerate(headers)}
    for header, target in value.items():
        index = folded.get(str(header).strip().casefold())
        if index is None:
            raise BadOption(f'The mapping names a column "{header}" the file does not have.')
        targets[index] = _target(target)
    return targets


async def create_with_options(
    access: Access,
    path: Path,
    *,
    file_name: str,
    content_type: str | None,
    max_bytes: int,
    mode: ImportMode | None = None,
    mapping: Any = None,
) -> dict[str, Any]:
    """A new import of the file at ``path``, in ``mode``, with ``mapping`` (parsed JSON) over the
    suggestion. One transaction: a mapping the file refuses leaves no import behind."""
    async with in_transaction():
        row = await service.create_import(
            access,
            path,
            file_name=file_name,
            content_type=content_type,
            max_bytes=max_bytes,
            mode=mode or ImportMode.CREATE_ONLY,
        )
        if mapping is not None:
            suggested = [t or IGNORE for t in service.mapping_of(row)]
            targets = resolve_mapping(mapping, list(row["headers"]), suggested)
            row = await service.update_mapping(access, row["id"], targets)
    return row
