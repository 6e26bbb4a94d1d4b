"""Activating and inactivating customers: one at a time, or up to 1,000 at once.

Inactivation is refused while a customer has blockers (``resolvers.inactivation``). The bulk
form answers per customer: the ones without blockers change, the others are answered BLOCKED
with their blockers, unknown or out-of-scope ids NOT_FOUND; it is not all-or-nothing, so one
busy customer does not hold back a thousand. It costs a fixed number of statements whatever the
number of ids: lock, count blockers, update, history, audit, webhook outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.rows import rows_for
from models.customers import CustomerStatus
from models.db import execute, fetch, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import history, outbox
from resolvers.audit import record_audit_each
from resolvers.customers import locate_for_change, write_row
from resolvers.errors import Errors, FieldErrorCode, VersionConflict
from resolvers.history import EventKind
from resolvers.inactivation import (
    Blocker,
    audit_status_change,
    blockers_of,
    refuse_if_blocked,
    status_name,
)

MAX_BULK = 1_000


class StatusOutcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"  # it already had that status
    BLOCKED = "blocked"  # it has blockers: left active
    NOT_FOUND = "not_found"  # no such customer, or not one the caller may change


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    customer_id: UUID
    outcome: StatusOutcome
    blockers: list[Blocker] = field(default_factory=list)


async def set_customer_status(
    access: Access, customer_id: UUID, status: CustomerStatus, expected_version: int | None = None
) -> dict[str, Any]:
    """Set one customer's status; InactivationBlocked while it has blockers. Answers the row."""
    access.require(P.CUSTOMER_STATUS)
    async with in_transaction():
        current = await locate_for_change(access, customer_id, P.CUSTOMER_STATUS)
        if expected_version is not None and current["version"] != expected_version:
            raise VersionConflict(expected_version, current["version"])
        if current["status"] == status:
            return current
        if status is CustomerStatus.INACTIVE:
            await refuse_if_blocked(access, customer_id)
        row = await write_row(access.principal.tenant_id, current, {"status": status.value})
        await history.record(
            access, customer_id, EventKind.UPDATED, {"changes": history.diff(current, row, ["status"])}
        )
        await audit_status_change(access, current, row)
        await outbox.emit(access, WebhookEventType.CUSTOMER_STATUS_CHANGED, "Customer", customer_id)
    return row


async def set_customers_status(access: Access, ids: list[UUID], status: CustomerStatus) -> list[StatusAnswer]:
    """Set many customers' status; an answer per id, in the order given (duplicates once)."""
    access.require(P.CUSTOMER_STATUS_BULK)
    access.require(P.CUSTOMER_STATUS)
    wanted = list(dict.fromkeys(ids))
    errors = Errors()
    if not wanted:
        errors.add("ids", FieldErrorCode.REQUIRED, "name at least one customer")
    if len(wanted) > MAX_BULK:
        errors.add("ids", FieldErrorCode.TOO_MANY, f"at most {MAX_BULK} customers at once (got {len(wanted)})")
    errors.raise_if_any()
    tenant = access.principal.tenant_id
    async with in_transaction():
        found = {
            r["id"]: r["status"]
            for r in await fetch(
                Sql("SELECT c.id, c.status FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", wanted)
                + rows_for(access, "Customer", P.CUSTOMER_STATUS, "c")
                + Sql(" ORDER BY c.id FOR UPDATE OF c")  # one lock order for every caller: no deadlock
            )
        }
        to_change = [pk for pk in wanted if pk in found and found[pk] != status]
        blocked = await blockers_of(tenant, to_change) if status is CustomerStatus.INACTIVE else {}
        changing = [pk for pk in to_change if pk not in blocked]
        if changing:
            await execute(
                Sql(
                    "UPDATE customer SET status = %s, version = version + 1, updated_at = now() "
                    "WHERE tenant_id = %s AND id = ANY(%s::uuid[])",
                    status.value,
                    tenant,
                    changing,
                )
            )
            previous = CustomerStatus.ACTIVE if status is CustomerStatus.INACTIVE else CustomerStatus.INACTIVE
            await history.record(
                access, changing, EventKind.UPDATED, {"changes": {"status": [previous.value, status.value]}}
            )
            await record_audit_each(
                access,
                "customer.status_change",
                "Customer",
                changing,
                before={"status": status_name(previous)},
                after={"status": status_name(status)},
                details={"bulk": True},
            )
            await outbox.emit(access, WebhookEventType.CUSTOMER_STATUS_CHANGED, "Customer", changing)
    answers = []
    for pk in wanted:
        if pk not in found:
            answers.append(StatusAnswer(pk, StatusOutcome.NOT_FOUND))
        elif pk in blocked:
            answers.append(StatusAnswer(pk, StatusOutcome.BLOCKED, blocked[pk]))
        elif pk in changing:
            answers.append(StatusAnswer(pk, StatusOutcome.CHANGED))
        else:
            answers.append(StatusAnswer(pk, StatusOutcome.UNCHANGED))
    return answers
