"""upsertCustomer: create a customer or update the one an integration already sent.

The customer is found by its external id first, then by the duplicate keys (a normalized email,
phone or WhatsApp number: ``onDuplicate: UPDATE``), else created. Race-free: writers of one
external id queue on a transaction-scoped advisory lock taken before the lookup, and a lost race
on a contact key (the unique index of customer_contact_key decides) runs the attempt again,
when the winner's customer is there to be updated.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.rows import rows_for
from models.db import execute, fetchrow, fetchval, in_transaction
from models.sql import Sql
from resolvers import customers as customer_ops
from resolvers import external_ids
from resolvers import tags as tag_ops
from resolvers.customer_reads import SELECT, get_customers
from resolvers.customers import Outcome
from resolvers.duplicates import DuplicateFound, DuplicateHit, OnDuplicate

# Attempts when a concurrent writer took a contact key between our lookup and our insert.
ATTEMPTS = 3


class NotUpdatable(DuplicateFound):
    """The external id's customer is one the caller may not update: nothing to run again."""


async def upsert_customer(
    access: Access, external: external_ids.Pair | None, data: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The customer as written, and whether it was created. ``tags`` are added, never removed."""
    access.require(P.CUSTOMER_CREATE)
    tag_ops.clean_tag_names(data.get("tags") or [])  # refused before anything is looked up or written
    for attempt in range(ATTEMPTS):
        try:
            async with in_transaction():
                return await _upsert_once(access, external, dict(data))
        except DuplicateFound as exc:
            if isinstance(exc, NotUpdatable) or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def _upsert_once(
    access: Access, external: external_ids.Pair | None, data: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    tenant_id = access.principal.tenant_id
    if external is not None:
        source, value = external
        # Until this transaction ends, other upserts of this id wait here (hash collisions only queue).
        await execute(
            Sql("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", f"external-id:{tenant_id}:{source}:{value}")
        )
        holder = await fetchval(
            Sql(
                "SELECT customer_id FROM customer_external_id WHERE tenant_id = %s AND source = %s AND external_id = %s",
                tenant_id,
                source,
                value,
            )
        )
        if holder is not None:
            await _check_updatable(access, holder)
            tag_names = tag_ops.clean_tag_names(data.pop("tags", None) or [])
            row = await customer_ops.update_customer(access, holder, data)
            await customer_ops.add_tags(access, holder, tag_names)
            return row, False
    row, outcome = await customer_ops.create_customer(access, data, OnDuplicate.UPDATE)
    if external is not None:
        await external_ids.write(tenant_id, row["id"], [external], replace=False)
    return row, outcome is Outcome.CREATED


async def _check_updatable(access: Access, customer_id: UUID) -> None:
    """DuplicateCustomer, as a duplicate key answers it, when the caller may not update the holder."""
    if access.can(P.CUSTOMER_UPDATE):
        found = await fetchrow(
            Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = %s AND ", customer_id)
            + rows_for(access, "Customer", P.CUSTOMER_UPDATE, "c")
        )
        if found is not None:
            return
    visible = await get_customers(access, [customer_id])
    hit = DuplicateHit(customer_id=customer_id, fields=["externalId"], row=visible.get(customer_id))
    raise NotUpdatable([hit], "You may not update the existing customer.")
