"""A customer's history entries and the one timeline that mixes every kind of record."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from authz.masking import CONTACT_COLUMNS, CONTACT_FIELD_TYPES
from resolvers.history import EventKind
from resolvers.timeline import TimelineKind as ModelTimelineKind
from schema.activities import Appointment, Note, Purchase, Task, load_user
from schema.context import Info
from schema.conversations import Conversation
from schema.node import Node, to_global_id
from schema.users import User

HistoryKind = strawberry.enum(EventKind, name="HistoryKind")
TimelineKind = strawberry.enum(ModelTimelineKind, name="TimelineKind")

# Column names in history data -> the API field a client knows.
FIELD_NAMES = {
    "trade_name": "tradeName", "origin_channel": "originChannel", "owner_id": "ownerId",
    "custom_fields": "customFields", "billing_parent_id": "billingParentId",
    "address_street": "address.street", "address_number": "address.number",
    "address_complement": "address.complement", "address_neighbourhood": "address.neighbourhood",
    "address_city": "address.city", "address_state": "address.state",
    "address_postal_code": "address.postalCode", "address_country": "address.country",
}  # fmt: skip
CHANGE_KEYS = ("changes", "fields")


@strawberry.type
class FieldChange:
    field: str
    before: JSON | None
    after: JSON | None
    hidden: bool = strawberry.field(description="True when the values are contact data withheld from you.")


@strawberry.type(description="A change made to the customer: who did it, when, and what changed.")
class HistoryEntry(Node):
    kind: HistoryKind  # type: ignore[valid-type]
    at: datetime
    actor_name: str = strawberry.field(description="The user's or API key's name at the time.")
    changes: list[FieldChange]
    details: JSON = strawberry.field(description="Kind-specific facts: tags added/removed, merge ids and counts...")
    _actor: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any], hidden: bool, contact_keys: frozenset[str] = frozenset()) -> HistoryEntry:
        """``contact_keys``: custom fields holding contact data, when it is hidden from the caller."""
        data = dict(row["data"] or {})
        changes = []
        for key in CHANGE_KEYS:
            for column, (before, after) in (data.pop(key, None) or {}).items():
                if column == "custom_fields":
                    changes += _custom_changes(before or {}, after or {}, contact_keys)
                    continue
                masked = hidden and column in CONTACT_COLUMNS
                changes.append(
                    FieldChange(
                        field=FIELD_NAMES.get(column, column),
                        before=None if masked else before,
                        after=None if masked else after,
                        hidden=masked,
                    )
                )
        return cls(
            id=to_global_id("HistoryEntry", row["id"]),
            kind=EventKind(row["kind"]),
            at=row["created_at"],
            actor_name=row["actor_name"],
            changes=changes,
            details=data,
            _actor=row["actor_id"],
        )

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        return await load_user(info, self._actor)


def _custom_changes(before: dict[str, Any], after: dict[str, Any], contact_keys: frozenset[str]) -> list[FieldChange]:
    """One change per custom value that moved, named customFields.<key>."""
    out = []
    for key in sorted(before.keys() | after.keys()):
        if before.get(key) == after.get(key):
            continue
        masked = key in contact_keys
        out.append(
            FieldChange(
                field=f"customFields.{key}",
                before=None if masked else before.get(key),
                after=None if masked else after.get(key),
                hidden=masked,
            )
        )
    return out


TimelineItem = Annotated[
    Note | Task | Conversation | Appointment | Purchase | HistoryEntry, strawberry.union("TimelineItem")
]


async def timeline_items(info: Info, rows: list[dict[str, Any]]) -> list[Any | None]:
    """Turn (kind, id) timeline rows into typed items, one batched load per kind.

    The answer lines up with ``rows``; an item deleted since the page was read is None.
    """
    loaders = info.context.loaders
    hidden = info.context.contact_hidden
    contact_keys: frozenset[str] = frozenset()
    if hidden and any(row["kind"] == "history" for row in rows):
        definitions = await loaders.custom_fields.load(info.context.access.principal.tenant_id)
        contact_keys = frozenset(d.key for d in definitions if d.type in CONTACT_FIELD_TYPES)
    by_kind = {
        "note": (loaders.notes, Note.from_row),
        "task": (loaders.tasks, Task.from_row),
        "conversation": (loaders.conversations, Conversation.from_row),
        "appointment": (loaders.appointments, Appointment.from_row),
        "purchase": (loaders.purchases, Purchase.from_row),
        "history": (loaders.events, lambda r: HistoryEntry.from_row(r, hidden, contact_keys)),
    }
    # Scheduled together, the loads of each kind batch into one statement.
    found = await asyncio.gather(*(by_kind[row["kind"]][0].load(row["id"]) for row in rows))
    return [None if item is None else by_kind[row["kind"]][1](item) for row, item in zip(rows, found, strict=True)]
