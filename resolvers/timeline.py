"""One reverse-chronological timeline of everything around a customer."""

from __future__ import annotations

from enum import StrEnum

from models.sql import Sql
from resolvers.children import ChildKind, ChildList, RowsById
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


def _of_kinds(kinds: tuple[TimelineKind, ...] | None) -> ChildList:
    """The timeline of the kinds asked for (all when None). The cursor is tied to them: a page of
    another selection would skip items."""
    chosen = sorted(set(kinds or TimelineKind), key=list(TimelineKind).index)
    return ChildList(_source(chosen), None, {"kinds": [k.value for k in chosen]})


# A customer's records of every kind in one list, newest first; the list takes the kinds.
TIMELINE = ChildKind("timeline", "TimelineItem", "customer_id", KEYS, narrow=_of_kinds)

EVENT_COLUMNS = (
    "e.id, e.tenant_id, e.customer_id, e.kind, e.actor_id, e.actor_api_key_id, e.actor_name, e.data, e.created_at"
)
EVENT_ROWS = RowsById("events", "HistoryEntry", "e", EVENT_COLUMNS)
