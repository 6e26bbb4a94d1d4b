"""Activating and inactivating customers: setCustomerStatus and its bulk form."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from models.customers import CustomerStatus as ModelCustomerStatus
from resolvers import customer_status as status_ops
from schema.context import Info
from schema.customer_type import Customer, CustomerStatus
from schema.errors import NotFound, ValidationFailed, VersionConflict, returns_errors
from schema.lifecycle_errors import InactivationBlocked, InactivationBlocker
from schema.node import to_global_id
from schema.permissions import requires
from schema.refs import pk_of

StatusOutcome = strawberry.enum(
    status_ops.StatusOutcome,
    name="CustomerStatusOutcome",
    description="What setCustomersStatus did to one customer.",
)


@strawberry.input
class SetCustomerStatusInput:
    id: strawberry.ID
    status: CustomerStatus
    expected_version: int | None = strawberry.field(
        default=UNSET, description="The version you read; a different current version answers VersionConflict."
    )


@strawberry.input
class SetCustomersStatusInput:
    ids: list[strawberry.ID] = strawberry.field(description="Up to 1,000 customers.")
    status: CustomerStatus


@strawberry.type
class SetCustomerStatusSuccess:
    customer: Customer | None


@strawberry.type
class CustomerStatusAnswer:
    customer_id: strawberry.ID
    outcome: StatusOutcome
    blockers: list[InactivationBlocker] = strawberry.field(description="Why it stayed active (BLOCKED only).")


@strawberry.type(
    description="One answer per customer, in the order asked: the customers without blockers changed, the others "
    "did not (not all-or-nothing)."
)
class SetCustomersStatusSuccess:
    results: list[CustomerStatusAnswer | None]
    changed: int
    unchanged: int
    blocked: int
    not_found: int


SetCustomerStatusResult = Annotated[
    SetCustomerStatusSuccess | InactivationBlocked | ValidationFailed | NotFound | VersionConflict,
    strawberry.union("SetCustomerStatusResult"),
]
SetCustomersStatusResult = Annotated[
    SetCustomersStatusSuccess | ValidationFailed, strawberry.union("SetCustomersStatusResult")
]


@strawberry.type
class LifecycleMutation:
    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_STATUS),
        description="Activate or inactivate a customer; inactivation is refused while it has blockers.",
    )
    @returns_errors
    async def set_customer_status(self, info: Info, input: SetCustomerStatusInput) -> SetCustomerStatusResult | None:
        expected = input.expected_version if input.expected_version is not UNSET else None
        row = await status_ops.set_customer_status(
            info.context.access, pk_of(input.id, "Customer"), ModelCustomerStatus(input.status), expected
        )
        return SetCustomerStatusSuccess(customer=Customer.from_row(row, info.context.contact_hidden))

    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_STATUS_BULK),
        description="Activate or inactivate up to 1,000 customers (admins and supervisors); answers per customer.",
    )
    @returns_errors
    async def set_customers_status(self, info: Info, input: SetCustomersStatusInput) -> SetCustomersStatusResult | None:
        ids = []
        for i, raw in enumerate(input.ids):
            ids.append(pk_of(raw, "Customer", f"ids[{i}]"))
        answers = await status_ops.set_customers_status(info.context.access, ids, ModelCustomerStatus(input.status))
        results: list[CustomerStatusAnswer | None] = [
            CustomerStatusAnswer(
                customer_id=to_global_id("Customer", a.customer_id),
                outcome=a.outcome,
                blockers=[InactivationBlocker.of(b) for b in a.blockers],
            )
            for a in answers
        ]
        count = {o: sum(1 for a in answers if a.outcome is o) for o in status_ops.StatusOutcome}
        return SetCustomersStatusSuccess(
            results=results,
            changed=count[status_ops.StatusOutcome.CHANGED],
            unchanged=count[status_ops.StatusOutcome.UNCHANGED],
            blocked=count[status_ops.StatusOutcome.BLOCKED],
            not_found=count[status_ops.StatusOutcome.NOT_FOUND],
        )
