"""One reverse-chronological timeline of everything around a customer."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from authz.principal import Principal
from models.db import fetch
from models.sql import Sql
from resolvers.children import ChildPage, ChildQuery, child_counts, child_pages
from resolvers.pagination import SortKey


class TimelineKind(StrEnum):
    NOTE = "note"
    TASK = "task"
    CONVERSATION = "conversation"
    APPOINTMENT = "appointment"
    PURCHASE = "purchase"
    HISTORY = "history"


# When each kind of record happened, as the timeline orders it.
SOURCES = {
    TimelineKind.NOTE: ("note", "created_at"),
    TimelineKind.TASK: ("task", "created_at"),
    TimelineKind.CONVERSATION: ("conversation", "last_message_at"),
    TimelineKind.APPOINTMENT: ("appointment", "starts_at"),
    TimelineKind.PURCHASE: ("purchase", "occurred_at"),
    TimelineKind.HISTORY: ("customer_event", "created_at"),
}


def _source(kinds: list[TimelineKind]) -> Sql:
    branches = [
        f"SELECT '{kind.value}' AS kind, id, tenant_id, customer_id, {column} AS at FROM {table}"
        for kind in kinds
        for table, column in [SOURCES[kind]]
    ]
    return Sql("(" + " UNION ALL ".join(branches) + ") t")


KEYS = (SortKey("t.at", True, "timestamptz", "at"), SortKey("t.id", True, "uuid", "id"))


async def timeline_of(
    caller: Principal,
    customer_ids: list[UUID],
    *,
    kinds: list[TimelineKind] | None,
    first: int | None,
    after: str | None,
) -> dict[UUID, ChildPage]:
    chosen = sorted(set(kinds or TimelineKind), key=list(TimelineKind).index)
    source = _source(chosen)
    query = ChildQuery(source, "customer_id", KEYS, "timeline")
    # The cursor is tied to the kinds asked for: a page of another selection would skip items.
    return await child_pages(
        query,
        customer_ids,
        where=Sql("t.tenant_id = %s", caller.tenant_id),
        first=first,
        after=after,
        caller=caller,
        arguments={"kinds": [k.value for k in chosen]},
    )


async def timeline_count(
    tenant_id: UUID, customer_ids: list[UUID], kinds: list[TimelineKind] | None
) -> dict[UUID, int]:
    chosen = sorted(set(kinds or TimelineKind), key=list(TimelineKind).index)
    query = ChildQuery(_source(chosen), "customer_id", KEYS, "timeline")
    return await child_counts(query, customer_ids, where=Sql("t.tenant_id = %s", tenant_id))


EVENT_COLUMNS = (
    "e.id, e.tenant_id, e.customer_id, e.kind, e.actor_id, e.actor_api_key_id, e.actor_name, e.data, e.created_at"
)


async def events_by_id(tenant_id: UUID, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    rows = await fetch(
        Sql(
            f"SELECT {EVENT_COLUMNS} FROM customer_event e WHERE e.tenant_id = %s AND e.id = ANY(%s::uuid[])",
            tenant_id,
            ids,
        )
    )
    return {r["id"]: r for r in rows}
