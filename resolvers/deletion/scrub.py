"""Taking purged customers out of JSON values that name them (other customers' history, merge records,
the audit log's details), keeping every value's shape so the code reading it still can.

A document (all the JSON columns of one row) that names a purged customer may carry its data
anywhere: the values a merge took from it sit beside the id they came from, not under it, and an
audit entry names the merged-away customer in ``details`` while its contact data sits in ``after``.
So in such a document
the purged ids become the nil UUID (no customer has it: readers treat it as one they may not see)
and every other string that is not an id becomes null. Keys, numbers, booleans and other
customers' ids stay, so counts and links still read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

NIL = "00000000-0000-0000-0000-000000000000"


def _is_id(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def _names(value: Any, ids: frozenset[str]) -> bool:
    if isinstance(value, str):
        return value in ids
    if isinstance(value, dict):
        return any(_names(v, ids) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, ids) for v in value)
    return False


def _blank(value: Any, ids: frozenset[str]) -> Any:
    if isinstance(value, str):
        if value in ids:
            return NIL
        return value if _is_id(value) else None
    if isinstance(value, dict):
        return {k: _blank(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v, ids) for v in value]
    return value


def scrub(value: Any, ids: frozenset[str]) -> Any:
    """``value`` without the customers ``ids`` (lower-case uuid strings) nor anything it may hold of theirs."""
    return _blank(value, ids) if _names(value, ids) else value


def scrub_row(values: list[Any], ids: frozenset[str]) -> list[Any]:
    """The JSON columns of one row, as one document: if any names a customer of ``ids``, all are blanked."""
    if any(_names(v, ids) for v in values):
        return [_blank(v, ids) for v in values]
    return values
