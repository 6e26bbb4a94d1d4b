"""Seller portfolios: the overview and bulk moves."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from authz.catalogue import P
from resolvers import portfolios as portfolio_ops
from resolvers.errors import FieldErrorCode
from resolvers.errors import ValidationFailed as InvalidInput
from schema.context import Info
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.node import parse_id
from schema.permissions import requires
from schema.teams import ids_of
from schema.users import User


@strawberry.type(description="A seller and the customers they hold.")
class PortfolioSummary:
    seller: User
    customer_count: int
    last_contacted_at: datetime | None = strawberry.field(
        description="The last time the seller sent a message to one of their customers."
    )


@strawberry.input
class TransferCustomersInput:
    customer_ids: list[strawberry.ID] = strawberry.field(description="At most 1,000 at once; all or nothing.")
    to_seller_id: strawberry.ID


@strawberry.input
class RemoveFromPortfolioInput:
    customer_ids: list[strawberry.ID] = strawberry.field(description="At most 1,000 at once; all or nothing.")


@strawberry.type
class BulkSuccess:
    changed: int = strawberry.field(description="How many customers changed (those already there are not counted).")


BulkResult = Annotated[BulkSuccess | ValidationFailed | NotFound, strawberry.union("BulkResult")]


@strawberry.type
class PortfolioQuery:
    @strawberry.field(extensions=requires(P.PORTFOLIO_READ), description="Every seller's portfolio, largest first.")
    async def portfolios(self, info: Info) -> list[PortfolioSummary]:
        return [
            PortfolioSummary(
                seller=User.from_row(s.seller), customer_count=s.customers, last_contacted_at=s.last_contacted_at
            )
            for s in await portfolio_ops.portfolios(info.context.access)
        ]


@strawberry.type
class PortfolioMutation:
    @strawberry.mutation(extensions=requires(P.CUSTOMER_ASSIGN), description="Move customers to a seller's portfolio.")
    @returns_errors
    async def transfer_customers(self, info: Info, input: TransferCustomersInput) -> BulkResult | None:
        seller = parse_id(input.to_seller_id, "User")
        if seller is None:
            raise InvalidInput.one("toSellerId", FieldErrorCode.INVALID, "is not a user id")
        ids = ids_of(list(input.customer_ids), "Customer", "customerIds")
        return BulkSuccess(changed=await portfolio_ops.transfer_customers(info.context.access, ids, seller))

    @strawberry.mutation(extensions=requires(P.CUSTOMER_ASSIGN), description="Leave customers unassigned.")
    @returns_errors
    async def remove_from_portfolio(self, info: Info, input: RemoveFromPortfolioInput) -> BulkResult | None:
        ids = ids_of(list(input.customer_ids), "Customer", "customerIds")
        return BulkSuccess(changed=await portfolio_ops.remove_from_portfolio(info.context.access, ids))
