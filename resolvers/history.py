"""A customer's history: every change made through the API, with who and when."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from authz.access import Access
from models.db import execute
from models.sql import Sql


class EventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    TAGS_CHANGED = "tags_changed"
    TRANSFERRED = "transferred"
    REMOVED_FROM_PORTFOLIO = "removed_from_portfolio"
    TEAMS_CHANGED = "teams_changed"
    MERGED = "merged"  # on the primary: others were merged into it
    MERGED_INTO = "merged_into"  # on a duplicate: it became a tombstone
    MERGE_UNDONE = "merge_undone"  # on the primary and on each restored duplicate
    CUSTOM_OPTION_RENAMED = "custom_option_renamed"  # an option the customer held was renamed
    CUSTOM_FIELD_DELETED = "custom_field_deleted"  # a field the customer had a value in was deleted


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, default=_plain, separators=(",", ":"), ensure_ascii=False)


def diff(before: dict[str, Any], after: dict[str, Any], columns: list[str]) -> dict[str, list[Any]]:
    """{column: [before, after]} for the columns whose value changed."""
    return {
        col: [_plain(before.get(col)), _plain(after.get(col))]
        for col in columns
        if _plain(before.get(col)) != _plain(after.get(col))
    }


async def record(
    access: Access, customer_ids: list[UUID] | UUID, kind: EventKind, data: dict[str, Any] | None = None
) -> None:
    """Append one entry per customer, in one statement, inside the caller's transaction."""
    ids = customer_ids if isinstance(customer_ids, list) else [customer_ids]
    if not ids:
        return
    p = access.principal
    await execute(
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, actor_id, actor_api_key_id, actor_name, data) "
            "SELECT %s, cid, %s, %s, %s, %s, %s::jsonb FROM unnest(%s::uuid[]) AS cid",
            p.tenant_id,
            kind.value,
            p.user_id,
            p.api_key_id,
            p.name,
            to_json(data or {}),
            ids,
        )
    )


def insert_events(access: Access, kind: EventKind, source: str, data: Sql) -> Sql:
    """``INSERT ... SELECT`` of one entry per row of ``source`` (aliased ``s``, with ``customer_id``),
    for bulk changes made in one statement: ``data`` is a jsonb expression evaluated per row.
    Use it inside a data-modifying ``WITH`` so the change and its history are one statement."""
    p = access.principal
    return (
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, actor_id, actor_api_key_id, actor_name, data) "
            "SELECT %s, s.customer_id, %s, %s, %s, %s, ",
            p.tenant_id,
            kind.value,
            p.user_id,
            p.api_key_id,
            p.name,
        )
        + data
        + Sql(f" FROM {source} s")
    )
