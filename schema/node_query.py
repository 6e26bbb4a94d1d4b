"""``node(id)``: any object by its global id, within what the caller may see.

Whether the caller may see the row is decided by its kind's rule in ``authz/rows.py`` (the
permission its root field requires and the row filter), in the one statement that locates it;
the builders below only turn the located row into its type. A kind without a rule, or without a
builder, answers null, exactly like an id that never existed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from authz.rows import locate
from resolvers import appointments as appointment_ops
from resolvers import contracts as contract_ops
from resolvers import conversations as conversation_ops
from resolvers import merge as merge_ops
from resolvers import notes as note_ops
from resolvers import purchases as purchase_ops
from resolvers import tasks as task_ops
from resolvers import tenants as tenant_ops
from resolvers.children import RowsById
from resolvers.custom_values import FieldDef
from schema.appointments import Appointment
from schema.audit import audit_entry
from schema.context import Info
from schema.contracts import Contract
from schema.conversations import Conversation, Message, MessageTemplate
from schema.custom_fields import CustomField
from schema.customer_type import Customer
from schema.duplicates import Merge
from schema.exports import Export
from schema.imports import Import
from schema.node import Node, from_global_id
from schema.notes import Note
from schema.permissions import requires
from schema.purchases import Purchase
from schema.reports import ReportTemplate
from schema.saved_filters import SavedFilter
from schema.tags import Tag
from schema.tasks import Task
from schema.teams import Team
from schema.tenants import Tenant
from schema.timeline import history_entry
from schema.users import User

Row = dict[str, Any]
Build = Callable[[Info, Row], Awaitable[Node | None]]


def _loaded(kind: RowsById, build: Callable[[Row], Node]) -> Build:
    """Built from the row its loader reads (the columns its type needs)."""

    async def node(info: Info, row: Row) -> Node | None:
        loaded = await info.context.loaders.rows(kind).load(row["id"])
        return build(loaded) if loaded else None

    return node


def _direct(build: Callable[[Row], Node]) -> Build:
    """Built from the located row itself: the type needs only the table's own columns."""

    async def node(info: Info, row: Row) -> Node | None:
        return build(row)

    return node


async def _customer(info: Info, row: Row) -> Node | None:
    loaded = await info.context.loaders.customers.load(row["id"])
    return Customer.from_row(loaded, info.context.contact_hidden) if loaded else None


async def _history_entry(info: Info, row: Row) -> Node | None:
    # Rendered (and masked) exactly as the customer's timeline renders it.
    return await history_entry(info, row["id"])


async def _merge(info: Info, row: Row) -> Node | None:
    record = await merge_ops.get_merge(info.context.access, row["id"])
    return Merge.from_record(record) if record else None


async def _audit_entry(info: Info, row: Row) -> Node | None:
    return await audit_entry(info, row["id"])


async def _tenant(info: Info, row: Row) -> Node | None:
    return Tenant.from_row(await tenant_ops.get_tenant(info.context.access))


# Every type implementing Node, by its name in global ids (a schema test keeps this complete).
BUILDERS: dict[str, Build] = {
    "Customer": _customer,
    "Note": _loaded(note_ops.NOTE_ROWS, Note.from_row),
    "Task": _loaded(task_ops.TASK_ROWS, Task.from_row),
    "Appointment": _loaded(appointment_ops.APPOINTMENT_ROWS, Appointment.from_row),
    "Purchase": _loaded(purchase_ops.PURCHASE_ROWS, Purchase.from_row),
    "Contract": _loaded(contract_ops.CONTRACT_ROWS, Contract.from_row),
    "Conversation": _loaded(conversation_ops.CONVERSATION_ROWS, Conversation.from_row),
    "Message": _loaded(conversation_ops.MESSAGE_ROWS, Message.from_row),
    "HistoryEntry": _history_entry,
    "Merge": _merge,
    "SavedFilter": _direct(SavedFilter.from_row),
    "CustomField": _direct(lambda row: CustomField.from_def(FieldDef.from_row(row))),
    "MessageTemplate": _direct(MessageTemplate.from_row),
    "Tag": _direct(Tag.from_row),
    "Team": _direct(Team.from_row),
    "User": _direct(User.from_row),
    "Tenant": _tenant,
    "Import": _direct(Import.from_row),
    "AuditEntry": _audit_entry,
    "ReportTemplate": _direct(ReportTemplate.from_row),
    "Export": _direct(Export.from_row),
}


@strawberry.type
class NodeQuery:
    @strawberry.field(extensions=requires(), description="Fetch any object by its global id (Relay).")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = from_global_id(id)
        if parsed is None:
            return None
        type_name, pk = parsed
        build = BUILDERS.get(type_name)
        if build is None:
            return None
        row = await locate(info.context.access, type_name, pk)
        return await build(info, row) if row else None
