"""Purchases a customer made: the type and recording one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from models.activities import PURCHASE
from resolvers import purchases as purchase_ops
from schema.context import Info
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.inputs import provided
from schema.node import Node
from schema.permissions import requires
from schema.refs import CustomerRef, load_customer, pk_of
from schema.row_values import row_values


@strawberry.type
class Purchase(Node):
    amount: Decimal = strawberry.field(description="Exact, as a decimal string.")
    currency: str = strawberry.field(description="ISO 4217, e.g. BRL.")
    description: str
    occurred_at: datetime
    external_id: str | None = strawberry.field(description="The id in the shop or ERP that sent it.")
    source: str
    _customer: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Purchase:
        return cls(
            **row_values(PURCHASE, cls, row),
            _customer=row["customer_id"],
        )

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


@strawberry.input
class RecordPurchaseInput:
    customer_id: strawberry.ID
    amount: Decimal
    currency: str
    occurred_at: datetime
    description: str | None = UNSET
    external_id: str | None = strawberry.field(
        default=UNSET,
        description="Sending the same externalId again updates that purchase instead of adding one. Unique "
        "across the company, so only callers who may read every customer send one (else NOT_ALLOWED).",
    )
    source: str | None = UNSET


@strawberry.type
class PurchaseSuccess:
    purchase: Purchase | None
    created: bool = strawberry.field(description="False when an existing purchase with this externalId was updated.")


PurchaseResult = Annotated[PurchaseSuccess | ValidationFailed | NotFound, strawberry.union("PurchaseResult")]


@strawberry.type
class PurchaseMutation:
    @strawberry.mutation(extensions=requires(P.PURCHASE_WRITE), description="Record (or re-sync) a purchase.")
    @returns_errors
    async def record_purchase(self, info: Info, input: RecordPurchaseInput) -> PurchaseResult | None:
        data = provided(input)
        row, created = await purchase_ops.record_purchase(
            info.context.access, pk_of(data.pop("customerId"), "Customer"), data
        )
        return PurchaseSuccess(purchase=Purchase.from_row(row), created=created)
