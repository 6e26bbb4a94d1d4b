"""Seller portfolios: which customers a seller holds, moving them in bulk, and the overview."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P, Scope
from authz.rows import owner_of_every_customer, rows_for, visible_rows
from models.db import execute, fetch, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import history, outbox
from resolvers.audit import record_audit_each, ref
from resolvers.errors import FieldErrorCode, NotFound, ValidationFailed
from resolvers.history import EventKind
from resolvers.owners import check_owner
from resolvers.users import USER_COLUMNS

MAX_BULK = 1000


class Portfolio(StrEnum):
    MINE = "mine"  # customers I hold
    ALL = "all"  # everything I may see
    UNASSIGNED = "unassigned"  # customers nobody holds
    SELLER = "seller"  # customers one seller holds (sellerId)


def default_portfolio(access: Access) -> Portfolio:
    """Who sees the whole company starts on ALL; everyone else on their own portfolio."""
    return Portfolio.ALL if access.scope(P.CUSTOMER_READ) is Scope.ALL else Portfolio.MINE


def portfolio_filter(
    access: Access, portfolio: Portfolio | None, seller_id: UUID | None, alias: str = "c"
) -> Sql | None:
    """Narrows a customer list; visibility is applied separately and always."""
    chosen = portfolio or default_portfolio(access)
    if seller_id is not None and chosen is not Portfolio.SELLER:
        raise ValidationFailed.one("sellerId", FieldErrorCode.NOT_ALLOWED, "is only used with portfolio: SELLER")
    if chosen is Portfolio.ALL:
        return None
    if chosen is Portfolio.UNASSIGNED:
        return Sql(f"{alias}.owner_id IS NULL")
    if chosen is Portfolio.SELLER:
        if seller_id is None:
            raise ValidationFailed.one("sellerId", FieldErrorCode.REQUIRED, "is required with portfolio: SELLER")
        owner: UUID | None = seller_id
    else:
        owner = access.principal.user_id
        if owner is None:
            return Sql("FALSE")
    # The visibility rule may already pin the owner (an own-portfolio scope): saying it twice
    # would only make PostgreSQL misjudge the rows and keep planning the statement afresh.
    if owner == owner_of_every_customer(access):
        return None
    return Sql(f"{alias}.owner_id = %s", owner)


def check_batch(ids: list[UUID]) -> list[UUID]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ValidationFailed.one("customerIds", FieldErrorCode.REQUIRED, "name at least one customer")
    if len(unique) > MAX_BULK:
        raise ValidationFailed.one(
            "customerIds", FieldErrorCode.TOO_MANY, f"at most {MAX_BULK} customers at once (got {len(unique)})"
        )
    return unique


async def _reassign(access: Access, ids: list[UUID], owner_id: UUID | None) -> int:
    """All-or-nothing: every id must be a customer the caller may update, or nothing changes."""
    access.require(P.CUSTOMER_ASSIGN)
    tenant = access.principal.tenant_id
    ids = check_batch(ids)
    async with in_transaction():
        rows = await fetch(
            Sql("SELECT c.id, c.owner_id FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", ids)
            + rows_for(access, "Customer", P.CUSTOMER_UPDATE, "c")
            + Sql(" ORDER BY c.id FOR UPDATE")
        )
        found = {r["id"]: r["owner_id"] for r in rows}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise NotFound("Customer", str(missing[0]))
        changing = [pk for pk, old in found.items() if old != owner_id]
        if not changing:
            return 0
        await execute(
            Sql(
                "UPDATE customer SET owner_id = %s, version = version + 1, updated_at = now() "
                "WHERE tenant_id = %s AND id = ANY(%s::uuid[])",
                owner_id,
                tenant,
                changing,
            )
        )
        by_previous: dict[UUID | None, list[UUID]] = defaultdict(list)
        for pk in changing:
            by_previous[found[pk]].append(pk)
        kind = EventKind.TRANSFERRED if owner_id else EventKind.REMOVED_FROM_PORTFOLIO
        for previous, group in by_previous.items():
            await history.record(access, group, kind, {"changes": {"owner_id": [previous, owner_id]}})
            await record_audit_each(
                access,
                "customer.transfer" if owner_id else "customer.remove_from_portfolio",
                "Customer",
                group,
                before={"owner": ref("User", previous)},
                after={"owner": ref("User", owner_id)},
                details={"bulk": len(changing)},
            )
        await outbox.emit(access, WebhookEventType.CUSTOMER_OWNER_CHANGED, "Customer", sorted(changing))
    return len(changing)


async def transfer_customers(access: Access, ids: list[UUID], to_seller_id: UUID) -> int:
    access.require(P.CUSTOMER_ASSIGN)
    await check_owner(access.principal.tenant_id, to_seller_id, "toSellerId")
    return await _reassign(access, ids, to_seller_id)


async def remove_from_portfolio(access: Access, ids: list[UUID]) -> int:
    return await _reassign(access, ids, None)


@dataclass
class PortfolioSummary:
    seller: dict[str, Any]
    customers: int
    last_contacted_at: datetime | None


async def portfolios(access: Access) -> list[PortfolioSummary]:
    """Every active seller with the customers they hold (that the caller may see), and anyone else
    still holding customers (a seller since deactivated or promoted), so no customer drops out."""
    access.require(P.PORTFOLIO_READ)
    rows = await fetch(
        Sql(
            f"SELECT {USER_COLUMNS}, count(c.id)::int AS customers, max(c.last_contacted_at) AS last_contacted_at "
            "FROM app_user u LEFT JOIN customer c ON c.owner_id = u.id AND ",
        )
        + visible_rows(access, "Customer", "c")
        + Sql(
            " WHERE u.tenant_id = %s GROUP BY u.tenant_id, u.id HAVING (u.role = 'seller' AND u.is_active) OR count(c.id) > 0 "
            "ORDER BY count(c.id) DESC, u.name",
            access.principal.tenant_id,
        )
    )
    return [PortfolioSummary(r, r["customers"], r["last_contacted_at"]) for r in rows]
