"""Purchases: what a customer bought, synced idempotently from shops and ERPs by external id."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P, Scope
from models.activities import PURCHASE
from models.customers import CUSTOMER
from models.db import fetchrow
from models.sql import Sql
from resolvers.children import ChildKind, RowsById
from resolvers.customers import locate_for_change
from resolvers.errors import Errors, FieldErrorCode, ValidationFailed

COLUMNS = ", ".join(PURCHASE.column_names)
# A customer's purchases, the latest first.
PURCHASES = ChildKind.of(CUSTOMER.to_many("purchases"), Sql("purchase t"))
PURCHASE_ROWS = RowsById("purchases", "Purchase", "p", PURCHASE.select("p"))
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_AMOUNT = Decimal("999999999999.99")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors = Errors()
    out: dict[str, Any] = {}
    try:
        amount = Decimal(str(data.get("amount")))
        if not amount.is_finite() or amount.as_tuple().exponent < -2 or abs(amount) > MAX_AMOUNT:  # type: ignore[operator]
            raise InvalidOperation
        if amount < 0:  # a refund is not a purchase: send the purchase again (same externalId) with what was kept
            errors.add("amount", FieldErrorCode.INVALID, "must not be negative")
        out["amount"] = amount
    except (InvalidOperation, ValueError):
        errors.add("amount", FieldErrorCode.INVALID, "must be an exact amount with at most 2 decimal places")
    currency = (data.get("currency") or "").strip().upper()
    if not _CURRENCY.match(currency):
        errors.add("currency", FieldErrorCode.INVALID, "must be an ISO 4217 code such as BRL or USD")
    out["currency"] = currency
    description = (data.get("description") or "").strip()
    if len(description) > 500:
        errors.add("description", FieldErrorCode.TOO_LONG, "must be at most 500 characters")
    out["description"] = description
    if data.get("occurredAt") is None:
        errors.add("occurredAt", FieldErrorCode.REQUIRED, "is required")
    out["occurred_at"] = data.get("occurredAt")
    external = (data.get("externalId") or "").strip() or None
    if external and len(external) > 120:
        errors.add("externalId", FieldErrorCode.TOO_LONG, "must be at most 120 characters")
    out["external_id"] = external
    out["source"] = (data.get("source") or "").strip()[:60]
    errors.raise_if_any()
    return out


async def record_purchase(access: Access, customer_id: UUID, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Store a purchase; with an externalId already stored, update that one instead.

    Answers the row and whether it was new. Concurrent deliveries of one external id are settled
    by the unique index: one inserts, the other updates.
    """
    access.require(P.PURCHASE_WRITE)
    values = _clean(data)
    if values["external_id"] and access.scope(P.CUSTOMER_READ) is not Scope.ALL:
        # External ids are unique across the company, so "TAKEN" would tell whether a customer the
        # caller cannot see has that purchase. Decided on the caller's scope, never on the data.
        raise ValidationFailed.one(
            "externalId",
            FieldErrorCode.NOT_ALLOWED,
            "external ids are unique across the company: only callers who may read every customer use them",
        )
    await locate_for_change(access, customer_id, P.PURCHASE_WRITE, lock=False)
    tenant = access.principal.tenant_id
    row = await fetchrow(
        Sql(
            "INSERT INTO purchase (tenant_id, customer_id, amount, currency, description, occurred_at, external_id, source) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (tenant_id, external_id) WHERE external_id IS NOT NULL DO UPDATE SET "
            "amount = EXCLUDED.amount, currency = EXCLUDED.currency, description = EXCLUDED.description, "
            "occurred_at = EXCLUDED.occurred_at, source = EXCLUDED.source "
            "WHERE purchase.customer_id = EXCLUDED.customer_id "
            f"RETURNING {COLUMNS}, (xmax = 0) AS inserted",
            tenant,
            customer_id,
            values["amount"],
            values["currency"],
            values["description"],
            values["occurred_at"],
            values["external_id"],
            values["source"],
        )
    )
    if row is None:  # the external id belongs to another customer's purchase
        raise ValidationFailed.one("externalId", FieldErrorCode.TAKEN, "is already recorded for another customer")
    return row, row.pop("inserted")
