"""``node(id)``: any object by its global id, within what the caller may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from resolvers import custom_fields as field_ops
from resolvers import customer_reads
from resolvers import merge as merge_ops
from resolvers import saved_filters as saved_filter_ops
from schema.activities import Appointment, Note, Purchase, Task
from schema.context import Info
from schema.conversations import Conversation, Message
from schema.custom_fields import CustomField
from schema.customers import Customer
from schema.duplicates import Merge
from schema.node import Node, from_global_id
from schema.permissions import requires
from schema.saved_filters import SavedFilter
from schema.timeline import history_entry
from schema.users import User

RECORDS: dict[str, tuple[str, Callable[[dict[str, Any]], Node]]] = {
    "Note": ("notes", Note.from_row),
    "Task": ("tasks", Task.from_row),
    "Appointment": ("appointments", Appointment.from_row),
    "Purchase": ("purchases", Purchase.from_row),
    "Conversation": ("conversations", Conversation.from_row),
}


@strawberry.type
class NodeQuery:
    @strawberry.field(extensions=requires(), description="Fetch any object by its global id (Relay).")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = from_global_id(id)
        if parsed is None:
            return None
        type_name, pk = parsed
        access = info.context.access
        if type_name == "Customer":
            row = await customer_reads.get_customer(access, pk)
            return Customer.from_row(row, info.context.contact_hidden) if row else None
        loaders = info.context.loaders
        if type_name in RECORDS:
            loader_name, build = RECORDS[type_name]
            row = await getattr(loaders, loader_name).load(pk)
            # A record is visible with its customer: a customer the caller may not see hides it.
            if row is None or await loaders.customers.load(row["customer_id"]) is None:
                return None
            return build(row)
        if type_name == "HistoryEntry":
            return await history_entry(info, pk)
        if type_name == "Message":
            row = await loaders.messages.load(pk)
            conversation = row and await loaders.conversations.load(row["conversation_id"])
            if not conversation or await loaders.customers.load(conversation["customer_id"]) is None:
                return None
            return Message.from_row(row)
        if type_name == "SavedFilter":
            saved = await saved_filter_ops.get_filter(access, pk)
            return SavedFilter.from_row(saved) if saved else None
        if type_name == "Merge":
            record = await merge_ops.get_merge(access, pk)
            return Merge.from_record(record) if record else None
        if type_name == "CustomField":
            found = await field_ops.get_definition(access, pk)
            return CustomField.from_def(found) if found else None
        if type_name == "User":
            user = await info.context.loaders.users.load(pk)
            return User.from_row(user) if user else None
        return None
