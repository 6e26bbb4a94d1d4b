"""Deleting customers (impact, code, confirmation, restore) and the data-subject export; admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from authz.catalogue import P
from resolvers.customer_reads import get_customer
from resolvers.deletion import errors as deletion_errors
from resolvers.deletion import export, service
from resolvers.deletion.impact import NAMED, Counts
from resolvers.errors import NotFound as Missing
from schema.context import Info
from schema.customer_type import Customer
from schema.errors import ERROR_MAPPERS, Error, NotFound, ValidationFailed, returns_errors
from schema.node import parse_id, to_global_id
from schema.permissions import requires
from schema.teams import ids_of


@strawberry.type(description="Rows of one table that a deletion would remove.")
class TableCount:
    table: str
    count: int


@strawberry.type(description="How many related records would go with the customers.")
class DeletionCounts:
    notes: int
    tasks: int
    conversations: int
    messages: int
    appointments: int
    purchases: int
    contracts: int
    history_entries: int
    portfolio_links: int
    team_links: int
    tags: int
    records: list[TableCount] = strawberry.field(description="Every table holding the customers' rows.")

    @classmethod
    def of(cls, counts: Counts) -> DeletionCounts:
        named = dict.fromkeys(NAMED.values(), 0)
        for table, n in counts.records.items():  # one pass: a bulk answer builds a thousand of these
            if table in NAMED:
                named[NAMED[table]] += n
        return cls(
            **named,
            portfolio_links=counts.portfolio_links,
            records=[TableCount(table=t, count=n) for t, n in sorted(counts.records.items())],
        )


@strawberry.type
class CustomerDeletionImpact:
    customer_id: strawberry.ID
    counts: DeletionCounts
    billing_child_ids: list[strawberry.ID] = strawberry.field(
        description="Customers naming this one as billing parent: they block the deletion until re-pointed."
    )


@strawberry.type
class DeletionImpact:
    customers: list[CustomerDeletionImpact]
    total: DeletionCounts
    blocked: bool = strawberry.field(description="True when billing children block the deletion.")


@strawberry.type
class BillingChildren:
    customer_id: strawberry.ID
    child_ids: list[strawberry.ID]


@strawberry.type(description="Other customers name these as billing parent: re-point them first. Nothing changed.")
class BlockedByBillingChildren(Error):
    blocked: list[BillingChildren]


@strawberry.type(description="The code is wrong; the request stays until its tries run out.")
class WrongConfirmationCode(Error):
    tries_left: int


@strawberry.type(description="The code expired (10 minutes): request the deletion again.")
class ConfirmationCodeExpired(Error):
    pass


@strawberry.type(description="Five wrong codes: the request is dead; request the deletion again.")
class TooManyConfirmationTries(Error):
    pass


@strawberry.type(description="Only a person with an e-mail address can receive a confirmation code.")
class ConfirmationNotDeliverable(Error):
    pass


@strawberry.type(description="A contact value of the customer now belongs to another customer. Nothing changed.")
class ContactValueTaken(Error):
    field: str = strawberry.field(description="email, phone or whatsapp")
    value: str = strawberry.field(description="The customer's value (withheld when contact data is hidden from you).")
    holder_id: strawberry.ID


@strawberry.type
class DeletionRequested:
    request_id: strawberry.ID
    expires_at: datetime
    customer_count: int


@strawberry.type
class CustomersDeleted:
    deleted_ids: list[strawberry.ID]
    purge_after: datetime = strawberry.field(description="Until then an admin may restore them.")


@strawberry.type
class CustomerRestored:
    customer: Customer | None


@strawberry.type
class CustomerDataExport:
    customer_id: strawberry.ID
    document: JSON


def _gid(pk: UUID) -> strawberry.ID:
    return to_global_id("Customer", pk)


def _blocked(e: deletion_errors.BlockedByBillingChildren) -> BlockedByBillingChildren:
    return BlockedByBillingChildren(
        message=str(e),
        blocked=[BillingChildren(customer_id=_gid(p), child_ids=[_gid(c) for c in cs]) for p, cs in e.children.items()],
    )


ERROR_MAPPERS[deletion_errors.BlockedByBillingChildren] = lambda e, _: _blocked(e)
ERROR_MAPPERS[deletion_errors.WrongCode] = lambda e, _: WrongConfirmationCode(message=str(e), tries_left=e.tries_left)
ERROR_MAPPERS[deletion_errors.CodeExpired] = lambda e, _: ConfirmationCodeExpired(message=str(e))
ERROR_MAPPERS[deletion_errors.TooManyTries] = lambda e, _: TooManyConfirmationTries(message=str(e))
ERROR_MAPPERS[deletion_errors.NoPersonToConfirm] = lambda e, _: ConfirmationNotDeliverable(message=str(e))
ERROR_MAPPERS[deletion_errors.ContactKeyTaken] = lambda e, info: ContactValueTaken(
    message=str(e), field=e.field, value="" if info.context.contact_hidden else e.value, holder_id=_gid(e.holder_id)
)

ImpactResult = Annotated[DeletionImpact | ValidationFailed | NotFound, strawberry.union("DeletionImpactResult")]
RequestResult = Annotated[
    DeletionRequested | BlockedByBillingChildren | ConfirmationNotDeliverable | ValidationFailed | NotFound,
    strawberry.union("RequestCustomerDeletionResult"),
]
ConfirmResult = Annotated[
    CustomersDeleted
    | WrongConfirmationCode
    | ConfirmationCodeExpired
    | TooManyConfirmationTries
    | BlockedByBillingChildren
    | NotFound,
    strawberry.union("ConfirmCustomerDeletionResult"),
]
RestoreResult = Annotated[CustomerRestored | ContactValueTaken | NotFound, strawberry.union("RestoreCustomerResult")]
ExportResult = Annotated[CustomerDataExport | NotFound, strawberry.union("CustomerDataExportResult")]


@strawberry.input
class RequestCustomerDeletionInput:
    customer_ids: list[strawberry.ID] = strawberry.field(description="At most 1,000 at once; all or nothing.")


@strawberry.input
class ConfirmCustomerDeletionInput:
    request_id: strawberry.ID
    code: str


@strawberry.input
class RestoreCustomerInput:
    id: strawberry.ID


def _customer_pk(value: str) -> UUID:
    pk = parse_id(value, "Customer")
    if pk is None:
        raise Missing("Customer", value)
    return pk


@strawberry.type
class CustomerDeletionQuery:
    @strawberry.field(
        extensions=requires(P.CUSTOMER_DELETE),
        description="What deleting these customers would remove, per customer and in total.",
    )
    @returns_errors
    async def customer_deletion_impact(self, info: Info, ids: list[strawberry.ID]) -> ImpactResult | None:
        impact = await service.deletion_impact(info.context.access, ids_of(list(ids), "Customer", "ids"))
        return DeletionImpact(
            customers=[
                CustomerDeletionImpact(
                    customer_id=_gid(pk),
                    counts=DeletionCounts.of(counts),
                    billing_child_ids=[_gid(c) for c in impact.billing_children.get(pk, [])],
                )
                for pk, counts in impact.per_customer.items()
            ],
            total=DeletionCounts.of(impact.total),
            blocked=bool(impact.billing_children),
        )

    @strawberry.field(
        extensions=requires(P.CUSTOMER_DATA_EXPORT),
        description="Everything held about one customer, as one JSON document (LGPD art. 18, GDPR art. 15). "
        "Recorded in the audit log.",
    )
    @returns_errors
    async def customer_data_export(self, info: Info, id: strawberry.ID) -> ExportResult | None:
        pk = _customer_pk(id)
        document: Any = await export.customer_data_export(info.context.access, pk)  # JSON
        return CustomerDataExport(customer_id=_gid(pk), document=document)


@strawberry.type
class CustomerDeletionMutation:
    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_DELETE),
        description="Send a one-time code (valid 10 minutes) to you to confirm deleting these customers.",
    )
    @returns_errors
    async def request_customer_deletion(self, info: Info, input: RequestCustomerDeletionInput) -> RequestResult | None:
        ids = ids_of(list(input.customer_ids), "Customer", "customerIds")
        done = await service.request_deletion(info.context.access, ids)
        return DeletionRequested(
            request_id=to_global_id("CustomerDeletionRequest", done.request_id),
            expires_at=done.expires_at,
            customer_count=done.customer_count,
        )

    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_DELETE),
        description="Delete the customers of a request with its code (5 tries). They vanish at once and "
        "are purged after a delay; until then restoreCustomer brings one back.",
    )
    @returns_errors
    async def confirm_customer_deletion(self, info: Info, input: ConfirmCustomerDeletionInput) -> ConfirmResult | None:
        request_id = parse_id(input.request_id, "CustomerDeletionRequest")
        if request_id is None:
            raise Missing("CustomerDeletionRequest", input.request_id)
        done = await service.confirm_deletion(info.context.access, request_id, input.code)
        return CustomersDeleted(deleted_ids=[_gid(pk) for pk in done.customer_ids], purge_after=done.purge_after)

    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_RESTORE),
        description="Bring a deleted customer back before its purge, with its contact values.",
    )
    @returns_errors
    async def restore_customer(self, info: Info, input: RestoreCustomerInput) -> RestoreResult | None:
        pk = await service.restore_customer(info.context.access, _customer_pk(input.id))
        row = await get_customer(info.context.access, pk)
        return CustomerRestored(customer=Customer.from_row(row, info.context.contact_hidden) if row else None)
