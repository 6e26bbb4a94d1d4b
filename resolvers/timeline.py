"""One reverse-chronological timeline of everything around a customer."""

from __future__ import annotations

from enum import StrEnum

from models.history import HISTORY_ENTRY
from models.sql import Sql
from resolvers.children import ChildKind, ChildList, RowsById
from resolvers.history import wholly_withheld
from resolvers.pagination import SortKey


class TimelineKind(StrEnum):
    NOTE = "note"
    TASK = "task"
    CONVERSATION = "conversation"
    APPOINTMENT = "appointment"
    PURCHASE = "purchase"
    HISTORY = "history"
    CONTRACT = "contract"


# When each kind of record happened, as the timeline orders it.
SOURCES = {
    TimelineKind.NOTE: ("note", "created_at"),
    TimelineKind.TASK: ("task", "created_at"),
    TimelineKind.CONVERSATION: ("conversation", "last_message_at"),
    TimelineKind.APPOINTMENT: ("appointment", "starts_at"),
    TimelineKind.PURCHASE: ("purchase", "occurred_at"),
    TimelineKind.HISTORY: ("customer_event", "created_at"),
    TimelineKind.CONTRACT: ("contract", "created_at"),
}


def _source(kinds: list[TimelineKind], contact_hidden: bool) -> Sql:
    """The records of ``kinds``; without the history entries wholly withheld from a caller from whom
    contact data is hidden when ``contact_hidden``."""
    out = Sql("(")
    for n, kind in enumerate(kinds):
        table, column = SOURCES[kind]
        out += Sql((" UNION ALL " if n else "") + f"SELECT '{kind.value}' AS kind, r.id, r.tenant_id, r.customer_id, ")
        out += Sql(f"r.{column} AS at FROM {table} r")
        if kind is TimelineKind.HISTORY and contact_hidden:
            out += Sql(" WHERE NOT ") + wholly_withheld("r")
    return out + Sql(") t")


KEYS = (SortKey("t.at", True, "timestamptz", "at"), SortKey("t.id", True, "uuid", "id"))


def _of_kinds(kinds: tuple[TimelineKind, ...] | None, contact_hidden: bool = False) -> ChildList:
    """The timeline of the kinds asked for (all when None), as a caller from whom contact data is
    hidden (``contact_hidden``) or not sees it. The cursor is tied to the kinds: a page of another
    selection would skip items."""
    chosen = sorted(set(kinds or TimelineKind), key=list(TimelineKind).index)
    return ChildList(_source(chosen, contact_hidden), None, {"kinds": [k.value for k in chosen]})


# A customer's records of every kind in one list, newest first; the list takes the kinds and
# whether contact data is hidden from the caller.
TIMELINE = ChildKind("timeline", "TimelineItem", "customer_id", KEYS, narrow=_of_kinds)

EVENT_COLUMNS = HISTORY_ENTRY.select("e")
EVENT_ROWS = RowsById("events", "HistoryEntry", "e", EVENT_COLUMNS)
