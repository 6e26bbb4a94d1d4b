"""Taking purged customers out of JSON values that name them (other customers' history, merge records,
the audit log's details), keeping every value's shape so the code reading it still can.

A purged id becomes the nil UUID (no customer has it, so readers treat it as one they may not see).
A JSON object or array that holds a purged id directly describes that customer: its other strings
(a name, an e-mail, a phone) become null too, however deep.
"""

from __future__ import annotations

from typing import Any

NIL = "00000000-0000-0000-0000-000000000000"


def _blank(value: Any, ids: frozenset[str]) -> Any:
    if isinstance(value, str):
        return NIL if value in ids else None
    if isinstance(value, dict):
        return {k: _blank(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v, ids) for v in value]
    return value


def _names(value: Any, ids: frozenset[str]) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return any(isinstance(v, str) and v in ids for v in items)


def scrub(value: Any, ids: frozenset[str]) -> Any:
    """``value`` without the customers ``ids`` (lower-case uuid strings) nor what describes them."""
    if isinstance(value, str):
        return NIL if value in ids else value
    if isinstance(value, dict | list):
        if _names(value, ids):
            return _blank(value, ids)
        if isinstance(value, dict):
            return {k: scrub(v, ids) for k, v in value.items()}
        return [scrub(v, ids) for v in value]
    return value
