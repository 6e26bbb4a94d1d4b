"""Duplicates: candidates while typing, existing groups, merging and undoing a merge."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from resolvers import duplicates as duplicate_ops
from resolvers import merge as merge_ops
from resolvers.customer_reads import get_customer, get_customers
from resolvers.duplicates import DuplicateFound, DuplicateHit
from resolvers.errors import FieldErrorCode
from resolvers.errors import NotFound as MissingRecord
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.merge import MergeRecord, UndoBlock
from schema.context import Info
from schema.customer_type import Customer
from schema.errors import ERROR_MAPPERS, Error, NotFound, ValidationFailed, returns_errors
from schema.inputs import provided
from schema.lifecycle_errors import BillingParentCycle
from schema.node import Node, parse_id, to_global_id
from schema.pagination import Connection, build_connection, paged
from schema.permissions import requires
from schema.refs import pk_of
from schema.users import User


@strawberry.enum(description="A contact field (or, for upsertCustomer, the external id) another customer already has.")
class DuplicateField(Enum):
    EMAIL = "email"
    PHONE = "phone"
    WHATSAPP = "whatsapp"
    EXTERNAL_ID = "externalId"


@strawberry.type
class DuplicateMatch:
    fields: list[DuplicateField] = strawberry.field(description="Which of your values matched.")
    customer: Customer | None = strawberry.field(description="The existing customer; null when you may not see it.")
    held_by_another_portfolio: bool = strawberry.field(
        description="True when the existing customer is outside what you may see (nothing else about it is told)."
    )


@strawberry.type(description="The customer already exists; nothing was written.")
class DuplicateCustomer(Error):
    matches: list[DuplicateMatch]


def duplicate_matches(hits: list[DuplicateHit], hidden: bool) -> list[DuplicateMatch]:
    return [
        DuplicateMatch(
            fields=[DuplicateField(f) for f in hit.fields],
            customer=Customer.from_row(hit.row, hidden) if hit.row else None,
            held_by_another_portfolio=hit.row is None,
        )
        for hit in hits
    ]


ERROR_MAPPERS[DuplicateFound] = lambda e, info: DuplicateCustomer(
    message=str(e), matches=duplicate_matches(e.hits, info.context.contact_hidden)
)


@strawberry.input
class DuplicateCandidatesInput:
    email: str | None = UNSET
    phone: str | None = UNSET
    whatsapp: str | None = UNSET
    exclude_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The customer being edited; ignored unless you may read it."
    )


@strawberry.enum
class ContactKeyKind(Enum):
    EMAIL = "email"
    PHONE = "phone"


@strawberry.type(description="Customers sharing one contact value.")
class DuplicateGroup:
    kind: ContactKeyKind
    value: str | None = strawberry.field(description="The shared value; null when contact data is hidden from you.")
    size: int
    customers: list[Customer]


@strawberry.type
class MovedRecords:
    kind: str = strawberry.field(description="Kind of record, e.g. customer_tag, customer_event, note.")
    count: int


@strawberry.type
class Merge(Node):
    performed_at: datetime
    undone_at: datetime | None
    undoable_until: datetime
    duplicate_ids: list[strawberry.ID] = strawberry.field(
        description="The merged-away customers you may see (after an undo, each is judged on its own again)."
    )
    moved_records: list[MovedRecords]
    _primary_id: strawberry.Private[Any]
    _performed_by: strawberry.Private[Any]

    @classmethod
    def from_record(cls, record: MergeRecord) -> Merge:
        return cls(
            id=to_global_id("Merge", record.id),
            performed_at=record.performed_at,
            undone_at=record.undone_at,
            undoable_until=record.performed_at + merge_ops.UNDO_WINDOW,
            duplicate_ids=[to_global_id("Customer", d) for d in record.duplicate_ids],
            moved_records=[MovedRecords(kind=k, count=n) for k, n in sorted(record.moved.items())],
            _primary_id=record.primary_id,
            _performed_by=record.performed_by_id,
        )

    @strawberry.field(description="The customer that was kept.")
    async def primary(self, info: Info) -> Customer | None:
        row = await get_customer(info.context.access, self._primary_id)
        return Customer.from_row(row, info.context.contact_hidden) if row else None

    @strawberry.field
    async def performed_by(self, info: Info) -> User | None:
        if self._performed_by is None:
            return None
        row = await info.context.loaders.users.load(self._performed_by)
        return User.from_row(row) if row else None


@strawberry.input
class FieldChoice:
    field: str = strawberry.field(
        description=", ".join(merge_ops.FIELD_COLUMNS) + f", or {merge_ops.CUSTOM_PREFIX}<key>"
    )
    customer_id: strawberry.ID = strawberry.field(description="The duplicate whose value the primary takes.")


@strawberry.input
class MergeCustomersInput:
    primary_id: strawberry.ID
    duplicate_ids: list[strawberry.ID]
    field_choices: list[FieldChoice] | None = UNSET


@strawberry.type
class MergeCustomersSuccess:
    customer: Customer | None
    merge: Merge | None


@strawberry.input
class UndoMergeInput:
    merge_id: strawberry.ID


@strawberry.type
class UndoMergeSuccess:
    customer: Customer | None
    restored: list[Customer | None] = strawberry.field(
        description="The customers brought back. Undo needs your merge scope over every customer it touches."
    )


MergeUndoBlockedReason = strawberry.enum(UndoBlock, name="MergeUndoBlockedReason")


@strawberry.type(description="The merge cannot be undone; nothing was changed.")
class MergeUndoBlocked(Error):
    reason: MergeUndoBlockedReason
    changed_fields: list[str] = strawberry.field(description="For FIELDS_CHANGED: the fields edited since the merge.")


ERROR_MAPPERS[merge_ops.MergeUndoBlocked] = lambda e, _: MergeUndoBlocked(
    message=str(e), reason=e.reason, changed_fields=e.fields
)

MergeCustomersResult = Annotated[
    MergeCustomersSuccess | ValidationFailed | NotFound | BillingParentCycle, strawberry.union("MergeCustomersResult")
]
UndoMergeResult = Annotated[UndoMergeSuccess | MergeUndoBlocked | NotFound, strawberry.union("UndoMergeResult")]


def _ids(values: list[str], field: str) -> list[Any]:
    out = []
    for i, value in enumerate(values):
        pk = parse_id(value, "Customer")
        if pk is None:
            raise InvalidInput.one(f"{field}[{i}]", FieldErrorCode.INVALID, "is not a customer id")
        out.append(pk)
    return out


@strawberry.type
class DuplicateQuery:
    @strawberry.field(
        extensions=requires(P.CUSTOMER_READ),
        description="Customers that would clash with these contact values, before saving (for forms).",
    )
    async def duplicate_candidates(self, info: Info, input: DuplicateCandidatesInput) -> list[DuplicateMatch]:
        data = provided(input)
        exclude = parse_id(data.pop("excludeId"), "Customer") if data.get("excludeId") else None
        hits = await duplicate_ops.candidates(info.context.access, data, exclude)
        return duplicate_matches(hits, info.context.contact_hidden)

    @strawberry.field(
        extensions=[*paged(), *requires(P.DUPLICATE_READ)],
        description="Groups of customers you may see that share a contact value, biggest first.",
    )
    async def duplicate_groups(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[DuplicateGroup]:
        access = info.context.access
        found, has_next, total_count = await duplicate_ops.groups(access, first=first, after=after)
        rows = await get_customers(access, list({pk for g in found for pk in g.customer_ids}))
        hidden = info.context.contact_hidden
        nodes = [
            DuplicateGroup(
                kind=ContactKeyKind(g.kind),
                value=None if hidden else g.value,
                size=g.size,
                customers=[Customer.from_row(rows[pk], hidden) for pk in g.customer_ids if pk in rows],
            )
            for g in found
        ]
        return build_connection(
            nodes, [g.cursor for g in found], has_next=has_next, has_previous=after is not None, total_count=total_count
        )


@strawberry.type
class DuplicateMutation:
    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_MERGE),
        description="Merge duplicates into the primary, in one transaction; undo within 30 days with undoMerge.",
    )
    @returns_errors
    async def merge_customers(self, info: Info, input: MergeCustomersInput) -> MergeCustomersResult | None:
        primary = pk_of(input.primary_id, "Customer")
        duplicates = _ids(list(input.duplicate_ids), "duplicateIds")
        choices = {}
        for i, choice in enumerate(input.field_choices or []):
            source = parse_id(choice.customer_id, "Customer")
            if source is None:
                raise InvalidInput.one(f"fieldChoices[{i}].customerId", FieldErrorCode.INVALID, "is not a customer id")
            choices[choice.field] = source
        row, record = await merge_ops.merge_customers(info.context.access, primary, duplicates, choices)
        return MergeCustomersSuccess(
            customer=Customer.from_row(row, info.context.contact_hidden), merge=Merge.from_record(record)
        )

    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_MERGE),
        description="Restore the merged-away customers with their own records, unless later changes prevent it.",
    )
    @returns_errors
    async def undo_merge(self, info: Info, input: UndoMergeInput) -> UndoMergeResult | None:
        merge_id = parse_id(input.merge_id, "Merge")
        if merge_id is None:
            raise MissingRecord("Merge", input.merge_id)
        primary, restored = await merge_ops.undo_merge(info.context.access, merge_id)
        hidden = info.context.contact_hidden
        return UndoMergeSuccess(
            customer=Customer.from_row(primary, hidden), restored=[Customer.from_row(r, hidden) for r in restored]
        )
