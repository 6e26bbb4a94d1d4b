"""The typed failures of a customer's lifecycle: blockers to inactivation, an inactive customer,
a billing-parent loop. Other areas' result unions name them."""

from __future__ import annotations

import strawberry

from models.lifecycle import InactivationBlocker as ModelInactivationBlocker
from resolvers import billing_parent as billing_ops
from resolvers import inactivation
from schema.errors import ERROR_MAPPERS, Error
from schema.node import to_global_id

InactivationBlockerKind = strawberry.enum(
    ModelInactivationBlocker,
    name="InactivationBlockerKind",
    description="What may keep a customer from being inactivated; the company chooses which count.",
)


@strawberry.type
class InactivationBlocker:
    kind: InactivationBlockerKind
    count: int
    ids: list[strawberry.ID] = strawberry.field(description="Global ids of the records (the first 100).")

    @classmethod
    def of(cls, blocker: inactivation.Blocker) -> InactivationBlocker:
        type_name = inactivation.RECORD_TYPES[blocker.kind]
        return cls(kind=blocker.kind, count=blocker.count, ids=[to_global_id(type_name, pk) for pk in blocker.ids])


@strawberry.type(description="The customer still has records the company counts as blockers; nothing was changed.")
class InactivationBlocked(Error):
    blockers: list[InactivationBlocker]


@strawberry.type(description="The customer is inactive: it takes no new task, contract or started conversation.")
class CustomerInactive(Error):
    customer_ids: list[strawberry.ID]


@strawberry.type(description="The billing parent chosen is billed, directly or through others, to this customer.")
class BillingParentCycle(Error):
    billing_parent_id: strawberry.ID
    length: int | None = strawberry.field(
        description="How many customers the loop would hold (1: the customer itself); null when it runs "
        "through customers you cannot see."
    )


ERROR_MAPPERS[inactivation.InactivationBlocked] = lambda e, _: InactivationBlocked(
    message=str(e), blockers=[InactivationBlocker.of(b) for b in e.blockers]
)
ERROR_MAPPERS[inactivation.CustomerInactive] = lambda e, _: CustomerInactive(
    message=str(e), customer_ids=[to_global_id("Customer", pk) for pk in e.customer_ids]
)
ERROR_MAPPERS[billing_ops.BillingParentCycle] = lambda e, _: BillingParentCycle(
    message=str(e), billing_parent_id=to_global_id("Customer", e.parent_id), length=e.length
)
