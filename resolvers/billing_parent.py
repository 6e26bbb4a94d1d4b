"""Billing parent ("faturamento quarteirizado"): a customer billed through another of the company.

A customer names another live customer of the same company that the caller can see; the chain
of parents never loops. Changes of parent in a company are serialised by a transaction-scoped
advisory lock and the chain is walked after taking it, so two concurrent changes (A -> B and
B -> A) cannot both pass: the second sees the first's committed parent and is refused.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from authz.rows import visible_rows
from models.customers import CUSTOMER
from models.db import execute, fetch, fetchrow, fetchval
from models.sql import Sql
from resolvers.children import ChildKind
from resolvers.errors import DomainError, FieldErrorCode, ValidationFailed

FIELD = "billingParentId"
# The customers billed to one, the newest first (each visible to the caller on its own).
BILLED = ChildKind.of(CUSTOMER.to_many("billedCustomers"), Sql("customer t"))


class BillingParentCycle(DomainError):
    """The parent chosen is billed, directly or through others, to the customer itself."""

    def __init__(self, customer_id: UUID, parent_id: UUID, length: int | None) -> None:
        self.customer_id = customer_id
        self.parent_id = parent_id
        # Customers in the loop it would close; None when the loop runs through customers the
        # caller may not see (their number would tell that they exist).
        self.length = length
        super().__init__(
            "The billing parent chosen is itself billed to this customer"
            + ("" if length is None or length <= 2 else f" (through {length - 2} other customers)")
            + ": choose another, or change that customer's billing parent first."
        )


async def parent_change(access: Access, data: dict[str, Any], customer_id: UUID | None) -> dict[str, Any]:
    """{'billing_parent_id': ...} when the input chooses (or clears) a parent and the choice is
    allowed; {} when it does not name one. ``customer_id`` is the customer being changed (None when
    creating one). Call inside the change's transaction, after locking that customer."""
    if FIELD not in data:
        return {}
    parent = data[FIELD]
    if parent is None:
        return {"billing_parent_id": None}
    if parent == customer_id:
        raise BillingParentCycle(customer_id, parent, 1)
    seen = await fetchval(
        Sql("SELECT c.id FROM customer c WHERE c.id = %s AND ", parent) + visible_rows(access, "Customer", "c")
    )
    if seen is None:  # missing and hidden alike
        raise ValidationFailed.one(FIELD, FieldErrorCode.UNKNOWN, "is not a customer of this company you can see")
    if customer_id is not None:
        await _refuse_cycle(access, customer_id, [customer_id], parent)
    return {"billing_parent_id": parent}


async def merged_parent(
    access: Access, primary: dict[str, Any], duplicate_ids: list[UUID], changes: dict[str, Any]
) -> dict[str, Any]:
    """A merge's ``changes`` to the primary (its row ``primary``), with a billing parent that closes
    no loop once the duplicates are the primary. A parent that is one of the merged customers
    means the primary billed to itself: it is dropped. A longer loop is refused. Call after
    ``lock`` and the participants' row locks."""
    merged = [primary["id"], *duplicate_ids]
    parent = changes.get("billing_parent_id", primary["billing_parent_id"])
    if parent is None:
        return changes
    if parent in merged:
        return (
            {**changes, "billing_parent_id": None}
            if primary["billing_parent_id"] is not None
            else {k: v for k, v in changes.items() if k != "billing_parent_id"}
        )
    await _refuse_cycle(access, primary["id"], merged, parent)
    return changes


async def lock(access: Access) -> None:
    """The company's billing-parent lock, until the transaction ends (see ``serialise``)."""
    await execute(
        Sql(
            "SELECT pg_advisory_xact_lock(hashtext('billing_parent'), hashtext(%s::text))",
            str(access.principal.tenant_id),
        )
    )


async def serialise(access: Access, data: dict[str, Any]) -> None:
    """Take the company's billing-parent lock when the input chooses a parent. Call it before
    locking the customer: the new parent's row is key-share locked by the update (its foreign key),
    so a change holding a customer row while waiting for this lock could deadlock with another."""
    if data.get(FIELD) is not None:
        await lock(access)


async def _refuse_cycle(access: Access, customer_id: UUID, targets: list[UUID], parent: UUID) -> None:
    """BillingParentCycle when the chain up from ``parent`` reaches one of ``targets``."""
    tenant = access.principal.tenant_id
    await lock(access)  # taken already by update_customer and merges; held until commit
    # Up the chain from the new parent: reaching a target closes a loop. The path guards against a
    # loop already stored (written before this rule, or by hand).
    loop = await fetchrow(
        Sql(
            "WITH RECURSIVE up(id, path) AS ("
            " SELECT c.id, ARRAY[c.id] FROM customer c WHERE c.id = %s AND c.tenant_id = %s"
            " UNION ALL"
            " SELECT c.billing_parent_id, up.path || c.billing_parent_id FROM up"
            " JOIN customer c ON c.id = up.id AND c.tenant_id = %s"
            " WHERE c.billing_parent_id IS NOT NULL AND NOT c.billing_parent_id = ANY(up.path)"
            ") SELECT cardinality(up.path) AS length, (SELECT count(*) FROM customer c "
            "WHERE c.id = ANY(up.path) AND ",
            parent,
            tenant,
            tenant,
        )
        + visible_rows(access, "Customer", "c")
        + Sql(") AS seen FROM up WHERE up.id = ANY(%s::uuid[]) LIMIT 1", targets)
    )
    if loop is not None:
        length = loop["length"] if loop["seen"] == loop["length"] else None
        raise BillingParentCycle(customer_id, parent, length)


async def follow_merge(tenant: UUID, primary_id: UUID, duplicate_ids: list[UUID]) -> list[tuple[UUID, UUID]]:
    """Bill to the primary the customers billed to a merged-away duplicate; answer (customer, its
    former parent) pairs. The participants are left out: the primary's own parent is settled by
    ``merged_parent`` (whose loop check already counts the duplicates as the primary, so this closes
    no loop), and the duplicates become tombstones. Call after ``lock``."""
    rows = await fetch(
        Sql(
            "UPDATE customer t SET billing_parent_id = %s, version = t.version + 1, updated_at = now() "
            "FROM (SELECT id, billing_parent_id AS old FROM customer WHERE tenant_id = %s "
            "AND billing_parent_id = ANY(%s::uuid[]) AND merged_into_id IS NULL AND NOT id = ANY(%s::uuid[]) "
            "ORDER BY id FOR UPDATE) o WHERE t.tenant_id = %s AND t.id = o.id RETURNING t.id, o.old",
            primary_id,
            tenant,
            duplicate_ids,
            [primary_id, *duplicate_ids],
            tenant,
        )
    )
    return [(r["id"], r["old"]) for r in rows]


async def undo_follow(
    tenant: UUID, primary_id: UUID, followed: list[tuple[UUID, UUID]]
) -> list[tuple[UUID, UUID]] | None:
    """Bill the customers a merge moved to the primary to their former parents again, those still
    billed to the primary (one changed since keeps its choice); answer the pairs moved back, or None
    when that would close a loop (a parent changed since the merge), having changed nothing the
    caller's transaction keeps. Call after ``lock``."""
    if not followed:
        return []
    rows = await fetch(
        Sql(
            "UPDATE customer t SET billing_parent_id = m.old, version = t.version + 1, updated_at = now() "
            "FROM unnest(%s::uuid[], %s::uuid[]) AS m(id, old) "
            "WHERE t.tenant_id = %s AND t.id = m.id AND t.billing_parent_id = %s RETURNING t.id, m.old",
            [c for c, _ in followed],
            [p for _, p in followed],
            tenant,
            primary_id,
        )
    )
    moved = [(r["id"], r["old"]) for r in rows]
    if moved and await _on_a_loop(tenant, [c for c, _ in moved]):
        return None
    return moved


async def _on_a_loop(tenant: UUID, ids: list[UUID]) -> bool:
    """Whether the chain up from one of ``ids`` comes back to it."""
    return bool(
        await fetchval(
            Sql(
                "WITH RECURSIVE up(start, id, path) AS ("
                " SELECT c.id, c.billing_parent_id, ARRAY[c.id] FROM customer c"
                " WHERE c.tenant_id = %s AND c.id = ANY(%s::uuid[]) AND c.billing_parent_id IS NOT NULL"
                " UNION ALL"
                " SELECT up.start, c.billing_parent_id, up.path || up.id FROM up"
                " JOIN customer c ON c.tenant_id = %s AND c.id = up.id"
                " WHERE c.billing_parent_id IS NOT NULL AND NOT up.id = ANY(up.path)"
                ") SELECT EXISTS (SELECT 1 FROM up WHERE up.id = up.start)",
                tenant,
                ids,
                tenant,
            )
        )
    )
