"""Contracts on a customer: create, change, end; every change audited."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from models.contracts import CONTRACT, ContractStatus
from models.customers import CUSTOMER
from models.db import fetchrow, in_transaction
from models.sql import Sql
from resolvers.audit import record_audit
from resolvers.children import ChildKind, RowsById
from resolvers.customers import locate_for_change
from resolvers.errors import Errors, FieldErrorCode, ValidationFailed, VersionConflict
from resolvers.inactivation import refuse_if_inactive
from resolvers.locate import locate_or_refuse

COLUMNS = CONTRACT.select("k")
RETURNING = ", ".join(CONTRACT.column_names)
# A customer's contracts, the newest first.
CONTRACTS = ChildKind.of(CUSTOMER.to_many("contracts"), Sql("contract t"))
CONTRACT_ROWS = RowsById("contracts", "Contract", "k", COLUMNS)
MAX_VALUE = Decimal("999999999999.99")
NOTES_MAX = 10_000
# The statuses a contract is created or updated with; ENDED only through endContract.
OPEN_STATUSES = (ContractStatus.ACTIVE, ContractStatus.PENDING_ADJUSTMENT)


def _clean(data: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The columns to write from ``data`` (all of a new contract's when ``current`` is None)."""
    errors = Errors()
    out: dict[str, Any] = {}
    if current is None or "title" in data:
        title = " ".join((data.get("title") or "").split())
        if not title:
            errors.add("title", FieldErrorCode.REQUIRED, "is required")
        elif len(title) > 200:
            errors.add("title", FieldErrorCode.TOO_LONG, "must be at most 200 characters")
        out["title"] = title
    if "status" in data:
        status = data["status"]
        if status is None:
            errors.add("status", FieldErrorCode.REQUIRED, "cannot be empty")
        elif ContractStatus(status) not in OPEN_STATUSES:
            errors.add("status", FieldErrorCode.NOT_ALLOWED, "end a contract with endContract")
        else:
            out["status"] = ContractStatus(status).value
    if current is None or "startsOn" in data:
        if data.get("startsOn") is None:
            errors.add("startsOn", FieldErrorCode.REQUIRED, "is required")
        else:
            out["starts_on"] = data["startsOn"]
    if "endsOn" in data:
        out["ends_on"] = data["endsOn"]
    starts = out.get("starts_on", current and current["starts_on"])
    ends = out.get("ends_on", current and current["ends_on"])
    if isinstance(starts, date) and isinstance(ends, date) and ends < starts:
        errors.add("endsOn", FieldErrorCode.INVALID, "must not be before startsOn")
    if "value" in data:
        out["value"] = _value(data["value"], errors)
    if "notes" in data:
        notes = (data["notes"] or "").strip()
        if len(notes) > NOTES_MAX:
            errors.add("notes", FieldErrorCode.TOO_LONG, f"must be at most {NOTES_MAX} characters")
        out["notes"] = notes
    errors.raise_if_any()
    return out


def _value(raw: Any, errors: Errors) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
        if not value.is_finite() or value.as_tuple().exponent < -2 or abs(value) > MAX_VALUE:  # type: ignore[operator]
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("value", FieldErrorCode.INVALID, "must be an exact amount with at most 2 decimal places")
        return None
    if value < 0:
        errors.add("value", FieldErrorCode.INVALID, "must not be negative")
    return value


def audit_view(row: dict[str, Any]) -> dict[str, Any]:
    """A contract as the audit log keeps it: API names, enum values as the API spells them."""
    return {
        "title": row["title"],
        "status": ContractStatus(row["status"]).name,
        "startsOn": row["starts_on"],
        "endsOn": row["ends_on"],
        "value": row["value"],
        "notes": row["notes"],
        "customerId": row["customer_id"],
        "version": row["version"],
    }


async def create_contract(access: Access, customer_id: UUID, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.CONTRACT_WRITE)
    values = _clean(data, None)
    p = access.principal
    async with in_transaction():
        await locate_for_change(access, customer_id, P.CONTRACT_WRITE, lock=False)
        # An inactive customer takes no new contract: it would be a blocker on a customer already out.
        await refuse_if_inactive(p.tenant_id, customer_id)
        values.update(tenant_id=p.tenant_id, customer_id=customer_id, created_by_id=p.user_id)
        columns = list(values)
        row = await fetchrow(
            Sql(
                f"INSERT INTO contract ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
                f"RETURNING {RETURNING}",
                *values.values(),
            )
        )
        assert row is not None
        await record_audit(access, "contract.create", "Contract", row["id"], before=None, after=audit_view(row))
    return row


async def _locate(access: Access, contract_id: UUID, expected_version: int | None) -> dict[str, Any]:
    """The contract, locked, when the caller may change it; VersionConflict on a stale version."""
    current = await locate_or_refuse(access, "Contract", P.CONTRACT_WRITE, contract_id, columns=COLUMNS, alias="k")
    if expected_version is not None and current["version"] != expected_version:
        raise VersionConflict(expected_version, current["version"])
    return current


async def _write(access: Access, current: dict[str, Any], values: dict[str, Any], action: str) -> dict[str, Any]:
    assignments = "".join(f"{col} = %s, " for col in values)
    row = await fetchrow(
        Sql(
            f"UPDATE contract SET {assignments}version = version + 1, updated_at = now() "
            f"WHERE id = %s AND tenant_id = %s RETURNING {RETURNING}",
            *values.values(),
            current["id"],
            access.principal.tenant_id,
        )
    )
    assert row is not None
    await record_audit(access, action, "Contract", row["id"], before=audit_view(current), after=audit_view(row))
    return row


async def update_contract(
    access: Access, contract_id: UUID, data: dict[str, Any], expected_version: int | None = None
) -> dict[str, Any]:
    access.require(P.CONTRACT_WRITE)
    async with in_transaction():
        current = await _locate(access, contract_id, expected_version)
        values = _clean(data, current)
        if current["status"] == ContractStatus.ENDED and "status" in values:
            raise ValidationFailed.one("status", FieldErrorCode.NOT_ALLOWED, "an ended contract stays ended")
        if not values:
            return current
        return await _write(access, current, values, "contract.update")


async def end_contract(
    access: Access, contract_id: UUID, ends_on: date | None = None, expected_version: int | None = None
) -> dict[str, Any]:
    """End a contract: ENDED, with its end date (the one given, else today unless it ended earlier)."""
    access.require(P.CONTRACT_WRITE)
    async with in_transaction():
        current = await _locate(access, contract_id, expected_version)
        if current["status"] == ContractStatus.ENDED:
            raise ValidationFailed.one("id", FieldErrorCode.INVALID, "the contract has already ended")
        today = datetime.now(UTC).date()
        if ends_on is None:
            ends_on = current["ends_on"] if current["ends_on"] is not None and current["ends_on"] <= today else today
            ends_on = max(ends_on, current["starts_on"])  # one that had not started ends on its first day
        if ends_on < current["starts_on"]:
            raise ValidationFailed.one("endsOn", FieldErrorCode.INVALID, "must not be before startsOn")
        values = {"status": ContractStatus.ENDED.value, "ends_on": ends_on, "ended_at": datetime.now(UTC)}
        return await _write(access, current, values, "contract.end")
