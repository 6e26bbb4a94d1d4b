"""A customer's history entries and the one timeline that mixes every kind of record."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from resolvers import appointments as appointment_ops
from resolvers import contracts as contract_ops
from resolvers import conversations as conversation_ops
from resolvers import history
from resolvers import notes as note_ops
from resolvers import purchases as purchase_ops
from resolvers import tasks as task_ops
from resolvers import timeline as timeline_ops
from resolvers.history import EventKind
from resolvers.timeline import TimelineKind as ModelTimelineKind
from schema import history_names as names
from schema.appointments import Appointment
from schema.context import Info
from schema.contracts import Contract
from schema.conversations import Conversation
from schema.node import Node, to_global_id
from schema.notes import Note
from schema.purchases import Purchase
from schema.refs import load_user
from schema.tasks import Task
from schema.users import User

HistoryKind = strawberry.enum(EventKind, name="HistoryKind")
TimelineKind = strawberry.enum(ModelTimelineKind, name="TimelineKind")


@strawberry.type
class FieldChange:
    field: str = strawberry.field(
        description="The field as the API names it: tradeName, address.city, owner, customFields.<key>..."
    )
    before: JSON | None = strawberry.field(
        description="Values as the API shows them: ids are global ids, the owner {id, name}, enum values their "
        "names (ACTIVE)."
    )
    after: JSON | None
    hidden: bool = strawberry.field(
        default=False,
        description="Always false. Kept for older clients.",
        deprecation_reason="Always false: changes withheld from you are left out of the entry.",
    )


@strawberry.type(description="A change made to the customer: who did it, when, and what changed.")
class HistoryEntry(Node):
    kind: HistoryKind
    at: datetime
    actor_name: str = strawberry.field(description="The user's or API key's name at the time.")
    changes: list[FieldChange] = strawberry.field(
        description="What changed, as you may see it: a change whose values are withheld from you (contact data "
        "hidden from you, values a merge took from a customer you may not see) is left out."
    )
    details: JSON = strawberry.field(
        description="Kind-specific facts: tags added/removed, merge ids and counts... (keys in camelCase, ids "
        "global). A merge names the other customer only if you may see it."
    )
    _actor: strawberry.Private[Any]

    @classmethod
    def from_row(
        cls, row: dict[str, Any], shown: history.Presented, user_names: Mapping[Any, str | None]
    ) -> HistoryEntry:
        """``shown``: the entry as the caller may see it (``history.present``); ``user_names``:
        the names of the users its changes name (an owner), as the caller may see them."""
        return cls(
            id=to_global_id("HistoryEntry", row["id"]),
            kind=EventKind(row["kind"]),
            at=row["created_at"],
            actor_name=row["actor_name"],
            changes=[
                FieldChange(
                    field=names.field_name(c.field),
                    before=names.field_value(c.field, c.before, user_names),
                    after=names.field_value(c.field, c.after, user_names),
                )
                for c in shown.changes
            ],
            details=cast(JSON, names.details(row["kind"], shown.details)),
            _actor=row["actor_id"],
        )

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        return await load_user(info, self._actor)


async def history_entries(info: Info, rows: list[dict[str, Any]]) -> list[HistoryEntry]:
    """Entries as the caller may see them: every read path of history goes through here."""
    named = sorted(set().union(*(history.others(r["kind"], r["data"] or {}) for r in rows)))
    found = await info.context.loaders.readable_customers.load_many(named) if named else []
    readable = {pk for pk, ok in zip(named, found, strict=True) if ok}
    hidden = info.context.contact_hidden
    shown = [history.present(r["kind"], r["data"] or {}, contact_hidden=hidden, readable=readable) for r in rows]
    found_names: dict[Any, str | None] = {}
    for type_name, loader in (("User", info.context.loaders.users), ("Customer", info.context.loaders.customers)):
        ids = sorted(set().union(*(names.named_ids(s.changes, type_name) for s in shown)))
        loaded = await loader.load_many(ids) if ids else []
        found_names.update({pk: (row or {}).get("name") for pk, row in zip(ids, loaded, strict=True)})
    return [HistoryEntry.from_row(r, s, found_names) for r, s in zip(rows, shown, strict=True)]


async def history_entry(info: Info, pk: Any) -> HistoryEntry | None:
    """One entry by id (for ``node(id)``): visible with its customer (its rule in authz/rows.py),
    masked like every entry."""
    row = await info.context.loaders.rows(timeline_ops.EVENT_ROWS).load(pk)
    if row is None:
        return None
    if info.context.contact_hidden and await history.wholly_withheld_entry(row["tenant_id"], pk):
        return None  # left out of the timeline for this caller, so out of reach by id too
    return (await history_entries(info, [row]))[0]


TimelineItem = Annotated[
    Note | Task | Conversation | Appointment | Purchase | HistoryEntry | Contract, strawberry.union("TimelineItem")
]


async def timeline_items(info: Info, rows: list[dict[str, Any]]) -> list[Any | None]:
    """Turn (kind, id) timeline rows into typed items, one batched load per kind.

    The answer lines up with ``rows``; an item deleted since the page was read is None.
    """
    loaders = info.context.loaders
    by_kind: dict[str, tuple[Any, Callable[[dict[str, Any]], Any] | None]] = {
        "note": (loaders.rows(note_ops.NOTE_ROWS), Note.from_row),
        "task": (loaders.rows(task_ops.TASK_ROWS), Task.from_row),
        "conversation": (loaders.rows(conversation_ops.CONVERSATION_ROWS), Conversation.from_row),
        "appointment": (loaders.rows(appointment_ops.APPOINTMENT_ROWS), Appointment.from_row),
        "purchase": (loaders.rows(purchase_ops.PURCHASE_ROWS), Purchase.from_row),
        "history": (loaders.rows(timeline_ops.EVENT_ROWS), None),
        "contract": (loaders.rows(contract_ops.CONTRACT_ROWS), Contract.from_row),
    }
    # Scheduled together, the loads of each kind batch into one statement.
    found = await asyncio.gather(*(by_kind[row["kind"]][0].load(row["id"]) for row in rows))
    events = [item for row, item in zip(rows, found, strict=True) if row["kind"] == "history" and item is not None]
    entries = iter(await history_entries(info, events)) if events else iter(())
    out: list[Any | None] = []
    for row, item in zip(rows, found, strict=True):
        build = by_kind[row["kind"]][1]
        out.append(None if item is None else next(entries) if build is None else build(item))
    return out
