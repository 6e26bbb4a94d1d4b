"""Appointments with customers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from models.activities import APPOINTMENT
from models.customers import CUSTOMER
from models.db import execute, fetchrow, in_transaction
from models.sql import Sql
from resolvers import users as user_ops
from resolvers.audit import Fields, api_values, changed, record_audit, ref_to
from resolvers.children import ChildKind, RowsById
from resolvers.customers import locate_for_change
from resolvers.errors import Errors, FieldErrorCode
from resolvers.locate import locate_or_refuse

COLUMNS = APPOINTMENT.select("a")
RETURNING = ", ".join(APPOINTMENT.column_names)
# A customer's appointments, the latest start first.
APPOINTMENTS = ChildKind.of(CUSTOMER.to_many("appointments"), Sql("appointment t"))
APPOINTMENT_ROWS = RowsById("appointments", "Appointment", "a", COLUMNS)
# What the audit log records of an appointment, as the API names it.
AUDITED: Fields = {
    "title": "title",
    "starts_at": "startsAt",
    "ends_at": "endsAt",
    "location": "location",
    "notes": "notes",
    "with_user_id": ("withUser", ref_to("User")),
    "customer_id": ("customer", ref_to("Customer")),
}


async def _clean(
    access: Access, data: dict[str, Any], customer_id: UUID, current: dict[str, Any] | None
) -> dict[str, Any]:
    errors = Errors()
    out: dict[str, Any] = {}
    if current is None or "title" in data:
        title = " ".join((data.get("title") or "").split())
        if not title:
            errors.add("title", FieldErrorCode.REQUIRED, "is required")
        elif len(title) > 200:
            errors.add("title", FieldErrorCode.TOO_LONG, "must be at most 200 characters")
        out["title"] = title
    for field, column in (("startsAt", "starts_at"), ("endsAt", "ends_at")):
        if field in data:
            if data[field] is None:
                errors.add(field, FieldErrorCode.REQUIRED, "is required")
            else:
                out[column] = data[field]
    starts = out.get("starts_at", current and current["starts_at"])
    ends = out.get("ends_at", current and current["ends_at"])
    if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
        errors.add("endsAt", FieldErrorCode.INVALID, "must be after startsAt")
    for field, column, limit in (("location", "location", 200), ("notes", "notes", 10_000)):
        if field in data:
            value = (data[field] or "").strip()
            if len(value) > limit:
                errors.add(field, FieldErrorCode.TOO_LONG, f"must be at most {limit} characters")
            out[column] = value
    errors.raise_if_any()
    if data.get("withUserId") is not None:
        user = await user_ops.active_user(access.principal.tenant_id, data["withUserId"])
        if user is None:
            errors.add("withUserId", FieldErrorCode.UNKNOWN, "is not an active user of this company")
        elif not await user_ops.may_see_customer(access, user, customer_id):
            errors.add("withUserId", FieldErrorCode.NOT_ALLOWED, "may not see this customer")
        errors.raise_if_any()
        out["with_user_id"] = data["withUserId"]
    elif "withUserId" in data:
        out["with_user_id"] = None
    return out


async def schedule(access: Access, customer_id: UUID, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.APPOINTMENT_WRITE)
    await locate_for_change(access, customer_id, P.APPOINTMENT_WRITE, lock=False)
    values = await _clean(access, data, customer_id, None)
    values.setdefault("with_user_id", access.principal.user_id)
    values.update(tenant_id=access.principal.tenant_id, customer_id=customer_id, created_by_id=access.principal.user_id)
    cols = list(values)
    async with in_transaction():
        row = await fetchrow(
            Sql(
                f"INSERT INTO appointment ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
                f"RETURNING {RETURNING}",
                *values.values(),
            )
        )
        assert row is not None
        await record_audit(access, "appointment.create", "Appointment", row["id"], after=api_values(row, AUDITED))
    return row


async def _locate(access: Access, appointment_id: UUID) -> dict[str, Any]:
    return await locate_or_refuse(
        access, "Appointment", P.APPOINTMENT_WRITE, appointment_id, columns=COLUMNS, alias="a"
    )


async def reschedule(access: Access, appointment_id: UUID, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.APPOINTMENT_WRITE)
    async with in_transaction():
        current = await _locate(access, appointment_id)
        values = await _clean(access, data, current["customer_id"], current)
        if not values:
            return current
        assignments = ", ".join(f"{col} = %s" for col in values)
        row = await fetchrow(
            Sql(
                f"UPDATE appointment SET {assignments} WHERE id = %s AND tenant_id = %s RETURNING {RETURNING}",
                *values.values(),
                appointment_id,
                access.principal.tenant_id,
            )
        )
        assert row is not None
        before, after = changed(current, row, AUDITED)
        if after:
            await record_audit(access, "appointment.update", "Appointment", appointment_id, before=before, after=after)
    return row


async def cancel(access: Access, appointment_id: UUID) -> None:
    access.require(P.APPOINTMENT_WRITE)
    async with in_transaction():
        current = await _locate(access, appointment_id)
        await execute(
            Sql("DELETE FROM appointment WHERE id = %s AND tenant_id = %s", appointment_id, access.principal.tenant_id)
        )
        await record_audit(
            access, "appointment.cancel", "Appointment", appointment_id, before=api_values(current, AUDITED)
        )
