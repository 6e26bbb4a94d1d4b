"""When a customer may be inactivated, and what an inactive customer may no longer receive.

A customer is inactivated only while none of the company's chosen blockers holds (open
conversations, open tasks, active contracts, contracts pending adjustment: the tenant setting
``inactivation_blockers``). Callers hold the customer rows locked ``FOR UPDATE`` while the
blockers are counted and the status flipped; a new task or started conversation takes the same
rows ``FOR SHARE`` (or ``FOR UPDATE``) and is refused for an inactive customer, so the two cannot
interleave. Inbound messages are never refused: they are stored and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.errors import Forbidden
from authz.rows import rows_for
from models.customers import CustomerStatus
from models.db import fetch, fetchval
from models.lifecycle import InactivationBlocker
from models.sql import Sql
from resolvers.audit import record_audit
from resolvers.errors import DomainError

# Ids listed per blocker kind at most (the count is always whole).
LISTED_IDS = 100

# Each blocker kind: the records that make it, as (table, condition) over the table as ``r``.
_SOURCES: dict[InactivationBlocker, tuple[str, str]] = {
    InactivationBlocker.OPEN_CONVERSATIONS: ("conversation", "r.status = 'open'"),
    InactivationBlocker.OPEN_TASKS: ("task", "r.status = 'open'"),
    InactivationBlocker.ACTIVE_CONTRACTS: ("contract", "r.status = 'active'"),
    InactivationBlocker.CONTRACTS_PENDING_ADJUSTMENT: ("contract", "r.status = 'pending_adjustment'"),
}
# The API type of the records each kind lists (for their global ids).
RECORD_TYPES = {
    InactivationBlocker.OPEN_CONVERSATIONS: "Conversation",
    InactivationBlocker.OPEN_TASKS: "Task",
    InactivationBlocker.ACTIVE_CONTRACTS: "Contract",
    InactivationBlocker.CONTRACTS_PENDING_ADJUSTMENT: "Contract",
}


@dataclass(frozen=True, slots=True)
class Blocker:
    kind: InactivationBlocker
    count: int
    ids: list[UUID]  # the first LISTED_IDS, by id


class InactivationBlocked(DomainError):
    """The customer still has records the company counts as blockers; nothing was changed."""

    def __init__(self, blockers: list[Blocker], customer_id: UUID | None = None) -> None:
        self.blockers = blockers
        self.customer_id = customer_id
        listed = ", ".join(f"{b.count} {b.kind.value.lower().replace('_', ' ')}" for b in blockers)
        super().__init__(f"The customer cannot be inactivated while it has {listed}.")


class CustomerInactive(DomainError):
    """New tasks and started conversations are refused for an inactive customer."""

    def __init__(self, customer_ids: list[UUID]) -> None:
        self.customer_ids = customer_ids
        which = "The customer is" if len(customer_ids) == 1 else f"{len(customer_ids)} of these customers are"
        super().__init__(f"{which} inactive: reactivate it first.")


def blocker_setting(values: list[Any]) -> list[str]:
    """The setting's stored form: known kinds, each once, in canonical order."""
    wanted = {InactivationBlocker(str(v)) for v in values}
    return [k.value for k in InactivationBlocker if k in wanted]


async def blockers_of(tenant_id: UUID, customer_ids: list[UUID]) -> dict[UUID, list[Blocker]]:
    """The blockers each customer has, of the kinds the company counts: one statement."""
    if not customer_ids:
        return {}
    parts = []
    for kind, (table, condition) in _SOURCES.items():
        parts.append(
            Sql(
                f"SELECT r.customer_id, %s AS kind, r.id FROM {table} r "
                f"WHERE r.tenant_id = %s AND r.customer_id = ANY(%s::uuid[]) AND {condition}",
                kind.value,
                tenant_id,
                customer_ids,
            )
        )
    union = parts[0]
    for part in parts[1:]:
        union = union + Sql(" UNION ALL ") + part
    rows = await fetch(
        Sql(
            "SELECT b.customer_id, b.kind, count(*)::int AS n, (array_agg(b.id ORDER BY b.id))[1:%s] AS ids FROM (",
            LISTED_IDS,
        )
        + union
        + Sql(
            ") b WHERE b.kind IN (SELECT jsonb_array_elements_text(t.inactivation_blockers) FROM tenant t "
            "WHERE t.id = %s) GROUP BY b.customer_id, b.kind",
            tenant_id,
        )
    )
    order = list(InactivationBlocker)
    out: dict[UUID, list[Blocker]] = {}
    for row in rows:
        out.setdefault(row["customer_id"], []).append(
            Blocker(InactivationBlocker(row["kind"]), row["n"], list(row["ids"]))
        )
    for found in out.values():
        found.sort(key=lambda b: order.index(b.kind))
    return out


async def refuse_if_blocked(access: Access, customer_id: UUID) -> None:
    """InactivationBlocked when the (locked) customer has blockers."""
    found = (await blockers_of(access.principal.tenant_id, [customer_id])).get(customer_id)
    if found:
        raise InactivationBlocked(found, customer_id)


async def check_status_change(access: Access, current: dict[str, Any], status: str | None) -> None:
    """A status change made through another mutation (``updateCustomer``) follows the same rule as
    ``setCustomerStatus``: the caller's grant of customer:status on this row, and no blockers to
    inactivate. ``current`` is the row, locked FOR UPDATE."""
    if status is None or status == current["status"]:
        return
    covered = access.can(P.CUSTOMER_STATUS) and await fetchval(
        Sql("SELECT 1 FROM customer c WHERE c.id = %s AND ", current["id"])
        + rows_for(access, "Customer", P.CUSTOMER_STATUS, "c")
    )
    if not covered:
        raise Forbidden(P.CUSTOMER_STATUS.refusal("this customer"))
    if status == CustomerStatus.INACTIVE:
        await refuse_if_blocked(access, current["id"])


async def refused_status_changes(access: Access, changes: dict[UUID, tuple[str, str]]) -> dict[UUID, str]:
    """For a batch of updates (an import's rows), the customers whose status change is refused,
    with why: the caller lacks customer:status, or an inactivation meets blockers. ``changes`` maps
    each customer (locked) to its (current, new) status. One statement for the whole batch."""
    changing = {pk: new for pk, (old, new) in changes.items() if new != old}
    if not changing:
        return {}
    if not access.can(P.CUSTOMER_STATUS):
        return dict.fromkeys(changing, P.CUSTOMER_STATUS.refusal("this customer"))
    going = [pk for pk, new in changing.items() if new == CustomerStatus.INACTIVE]
    blocked = await blockers_of(access.principal.tenant_id, going)
    return {pk: str(InactivationBlocked(found, pk)) for pk, found in blocked.items()}


def status_name(value: Any) -> str:
    """A status as the API spells it (ACTIVE, INACTIVE)."""
    return CustomerStatus(value).name


async def audit_status_change(access: Access, before: dict[str, Any], after: dict[str, Any]) -> None:
    if before["status"] != after["status"]:
        await record_audit(
            access,
            "customer.status_change",
            "Customer",
            after["id"],
            before={"status": status_name(before["status"])},
            after={"status": status_name(after["status"])},
        )


async def refuse_if_inactive(tenant_id: UUID, customer_id: UUID) -> None:
    """CustomerInactive for an inactive customer. Takes the row FOR SHARE until the transaction
    ends, so an inactivation cannot slip between this check and the record it guards."""
    status = await fetchval(
        Sql("SELECT status FROM customer WHERE id = %s AND tenant_id = %s FOR SHARE", customer_id, tenant_id)
    )
    if status == CustomerStatus.INACTIVE:
        raise CustomerInactive([customer_id])
