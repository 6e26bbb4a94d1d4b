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
from models.db import fetchrow, in_transaction
from models.sql import Sql
from resolvers.audit import Fields, api_values, changed, record_audit, ref_to
from resolvers.children import ChildKind, RowsById
from resolvers.customers import locate_for_change
from resolvers.errors import Errors, FieldErrorCode, ValidationFailed

COLUMNS = ", ".join(PURCHASE.column_names)
# A customer's purchases, the latest first.
PURCHASES = ChildKind.of(CUSTOMER.to_many("purchases"), Sql("purchase t"))
PURCHASE_ROWS = RowsById("purchases", "Purchase", "p", PURCHASE.select("p"))
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_AMOUNT = Decimal("999999999999.99")
# What the audit log records of a purchase, as the API names it; a redelivery changes the first five.
AUDITED: Fields = {
    "amount": "amount",
    "currency": "currency",
    "description": "description",
    "occurred_at": "occurredAt",
    "source": "source",
    "external_id": "externalId",
    "customer_id": ("customer", ref_to("Customer")),
}
_CHANGEABLE = ("amount", "currency", "description", "occurred_at", "source")


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
    async with in_transaction():
        row = await _upsert(tenant, customer_id, values)
        if row is None:  # the external id belongs to another customer's purchase
            raise ValidationFailed.one("externalId", FieldErrorCode.TAKEN, "is already recorded for another customer")
        inserted = row.pop("inserted")
        previous = {col: row.pop(f"previous_{col}") for col in _CHANGEABLE}
        if inserted:
            await record_audit(access, "purchase.create", "Purchase", row["id"], after=api_values(row, AUDITED))
        else:
            before, after = changed(previous, row, AUDITED)
            if after:
                details = {"externalId": row["external_id"]}
                await record_audit(
                    access, "purchase.update", "Purchase", row["id"], before=before, after=after, details=details
                )
    return row, inserted


async def _upsert(tenant: UUID, customer_id: UUID, values: dict[str, Any]) -> dict[str, Any] | None:
    # A subquery sees the rows as they were before the statement: the purchase a redelivery updates.
    previous = ", ".join(
        f"(SELECT o.{c} FROM purchase o WHERE o.id = purchase.id) AS previous_{c}" for c in _CHANGEABLE
    )
    return await fetchrow(
        Sql(
            "INSERT INTO purchase (tenant_id, customer_id, amount, currency, description, occurred_at, external_id, source) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (tenant_id, external_id) WHERE external_id IS NOT NULL DO UPDATE SET "
            "amount = EXCLUDED.amount, currency = EXCLUDED.currency, description = EXCLUDED.description, "
            "occurred_at = EXCLUDED.occurred_at, source = EXCLUDED.source "
            "WHERE purchase.customer_id = EXCLUDED.customer_id "
            f"RETURNING {COLUMNS}, (xmax = 0) AS inserted, {previous}",
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
