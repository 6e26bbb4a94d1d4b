"""Deleting customers: the impact, the request with its emailed code, the confirmation, the restore.

A deletion is soft at first: the customer row gets ``deleted_at`` and ``purge_after``, which the
one customer rule in ``authz/rows.py`` reads, so every read, search, export and report loses it at
once; its contact keys are released in the same transaction (a new customer may take its phone).
The purge job (``purge.py``) removes every row that belonged to it once ``purge_after`` passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from authz.access import Access
from authz.catalogue import P
from authz.rows import deleted_customers, rows_for
from models.db import execute, fetch, fetchrow, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import clock, outbox
from resolvers.audit import record_audit
from resolvers.contact_keys import KEY_SOURCES, Key, insert_keys, keys_of
from resolvers.deletion import codes
from resolvers.deletion.audit import audit_each
from resolvers.deletion.catalogue import read_catalogue
from resolvers.deletion.errors import (
    BlockedByBillingChildren,
    CodeExpired,
    ContactKeyTaken,
    NoPersonToConfirm,
    TooManyTries,
    WrongCode,
)
from resolvers.deletion.impact import Impact, measure
from resolvers.deletion.notifier import DeletionCode, config
from resolvers.errors import DomainError, NotFound
from resolvers.jobs import enqueue
from resolvers.portfolios import check_batch

CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
PURGE_JOB = "customer.purge"


@dataclass(frozen=True)
class Requested:
    request_id: UUID
    expires_at: datetime
    customer_count: int


@dataclass(frozen=True)
class Deleted:
    customer_ids: list[UUID]
    purge_after: datetime


async def _targets(access: Access, ids: list[UUID], *, lock: bool) -> list[UUID]:
    """``ids`` if the caller may delete every one (all or nothing), else NotFound for the first other."""
    rows = await fetch(
        Sql("SELECT c.id FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", ids)
        + rows_for(access, "Customer", P.CUSTOMER_DELETE, "c")
        + Sql(" ORDER BY c.id" + (" FOR UPDATE" if lock else ""))
    )
    found = {r["id"] for r in rows}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise NotFound("Customer", str(missing[0]))
    return ids


async def deletion_impact(access: Access, ids: list[UUID]) -> Impact:
    access.require(P.CUSTOMER_DELETE)
    ids = await _targets(access, check_batch(ids), lock=False)
    return await measure(await read_catalogue(), access.principal.tenant_id, ids)


async def _blocking_children(access: Access, ids: list[UUID]) -> None:
    rows = await fetch(
        Sql(
            "SELECT b.billing_parent_id AS parent, array_agg(b.id ORDER BY b.id) AS children FROM customer b "
            "WHERE b.tenant_id = %s AND b.billing_parent_id = ANY(%s::uuid[]) AND NOT (b.id = ANY(%s::uuid[])) "
            "AND b.deleted_at IS NULL AND b.merged_into_id IS NULL GROUP BY b.billing_parent_id",
            access.principal.tenant_id,
            ids,
            ids,
        )
    )
    if rows:
        raise BlockedByBillingChildren({r["parent"]: list(r["children"]) for r in rows})


async def request_deletion(access: Access, ids: list[UUID]) -> Requested:
    """Check the customers, then send a one-time code to the asking admin; nothing is deleted yet."""
    access.require(P.CUSTOMER_DELETE)
    p = access.principal
    if p.user_id is None or not p.email:
        raise NoPersonToConfirm()
    ids = check_batch(ids)
    code = codes.new_code()
    code_hash = await codes.hash_code(code)
    now = clock.now()
    expires_at = now + CODE_TTL
    request_id = uuid4()
    async with in_transaction():
        await _targets(access, ids, lock=False)
        await _blocking_children(access, ids)
        # Requests nobody confirmed are of no use a day later.
        await execute(
            Sql(
                "DELETE FROM customer_deletion_request WHERE tenant_id = %s AND expires_at < %s",
                p.tenant_id,
                now - timedelta(days=1),
            )
        )
        await execute(
            Sql(
                "INSERT INTO customer_deletion_request (id, tenant_id, requested_by_id, customer_ids, code_hash, "
                "expires_at, tries_left) VALUES (%s, %s, %s, %s::jsonb, %s, %s, %s)",
                request_id,
                p.tenant_id,
                p.user_id,
                json.dumps([str(pk) for pk in ids]),
                code_hash,
                expires_at,
                MAX_TRIES,
            )
        )
        await audit_each(access, "customer.delete_request", ids, {"requestId": str(request_id)})
        # Sent inside the transaction: a code that could not be sent leaves no request behind.
        await config().notifier.send_deletion_code(
            DeletionCode(p.email, p.name, code, request_id, len(ids), expires_at)
        )
    return Requested(request_id, expires_at, len(ids))


async def _check_code(access: Access, request_id: UUID, code: str) -> tuple[list[UUID] | None, DomainError | None]:
    """The request's customers when ``code`` is right; else the error, with the try counted (committed)."""
    p = access.principal
    async with in_transaction():
        row = await fetchrow(
            Sql(
                "SELECT * FROM customer_deletion_request WHERE id = %s AND tenant_id = %s AND requested_by_id = %s "
                "FOR UPDATE",
                request_id,
                p.tenant_id,
                p.user_id,
            )
        )
        if row is None:
            return None, NotFound("CustomerDeletionRequest", str(request_id))
        if row["tries_left"] <= 0:
            return None, TooManyTries()
        if row["expires_at"] <= clock.now():
            return None, CodeExpired()
        if await codes.code_matches(code, row["code_hash"]):
            return [UUID(pk) for pk in row["customer_ids"]], None
        left = row["tries_left"] - 1
        await execute(Sql("UPDATE customer_deletion_request SET tries_left = %s WHERE id = %s", left, request_id))
    return None, (WrongCode(left) if left > 0 else TooManyTries())


async def confirm_deletion(access: Access, request_id: UUID, code: str) -> Deleted:
    access.require(P.CUSTOMER_DELETE)
    ids, error = await _check_code(access, request_id, code)
    if error is not None:
        raise error
    assert ids is not None
    p = access.principal
    now = clock.now()
    purge_after = now + config().purge_after
    async with in_transaction():
        await _targets(access, ids, lock=True)
        await _blocking_children(access, ids)
        await execute(
            Sql(
                "UPDATE customer c SET deleted_at = %s, purge_after = %s, deleted_by_id = %s, "
                "version = c.version + 1, updated_at = now(), released_keys = (SELECT coalesce(jsonb_agg("
                "jsonb_build_array(k.customer_id, k.kind, k.value, k.exclusive)), '[]'::jsonb) "
                "FROM customer_contact_key k JOIN customer t ON t.id = k.customer_id AND t.tenant_id = k.tenant_id "
                "WHERE k.tenant_id = c.tenant_id AND (t.id = c.id OR t.merged_into_id = c.id)) "
                "WHERE c.tenant_id = %s AND c.id = ANY(%s::uuid[])",
                now,
                purge_after,
                p.user_id,
                p.tenant_id,
                ids,
            )
        )
        # Released at once: a new customer with the same phone or e-mail may be created now.
        await execute(
            Sql(
                "DELETE FROM customer_contact_key k USING customer t WHERE k.tenant_id = %s AND t.id = k.customer_id "
                "AND t.tenant_id = k.tenant_id AND (t.id = ANY(%s::uuid[]) OR t.merged_into_id = ANY(%s::uuid[]))",
                p.tenant_id,
                ids,
                ids,
            )
        )
        await execute(Sql("DELETE FROM customer_deletion_request WHERE id = %s", request_id))
        await audit_each(
            access, "customer.delete", ids, {"requestId": str(request_id), "purgeAfter": purge_after.isoformat()}
        )
        # Partners mirror the deletion now: the customer is gone from every read from this moment.
        await outbox.emit(
            access, WebhookEventType.CUSTOMER_DELETED, "Customer", ids, details={"purgeAfter": purge_after.isoformat()}
        )
        # Small margin: the job must find the customers due when it runs.
        await enqueue(
            PURGE_JOB, {"tenant_id": str(p.tenant_id)}, execute_after=purge_after - now + timedelta(seconds=1)
        )
    return Deleted(ids, purge_after)


def _named_key(row: dict[str, Any], key: Key) -> tuple[str, str]:
    """The API field and the customer's own value behind ``key`` (the key's folded value if none)."""
    for column, _kind, api_field in KEY_SOURCES:
        if key in keys_of({column: row[column]}):
            return api_field, str(row[column])
    return key.kind, key.value


async def restore_customer(access: Access, customer_id: UUID) -> UUID:
    """Bring a deleted customer back before its purge, with the contact keys it held."""
    access.require(P.CUSTOMER_RESTORE)
    p = access.principal
    async with in_transaction():
        row = await fetchrow(
            Sql(
                "SELECT c.id, c.released_keys, c.email_normalized, c.phone_e164, c.whatsapp_e164 "
                "FROM customer c WHERE c.id = %s AND ",
                customer_id,
            )
            + deleted_customers(access, P.CUSTOMER_RESTORE, "c")
            + Sql(" FOR UPDATE")
        )
        if row is None:
            raise NotFound("Customer", str(customer_id))
        released: list[Any] = row["released_keys"] or []
        for exclusive in (True, False):
            pairs = [(UUID(k[0]), Key(k[1], k[2])) for k in released if bool(k[3]) is exclusive]
            back = await insert_keys(p.tenant_id, pairs, exclusive=exclusive)
            lost = [pair for pair in pairs if pair not in back]
            if lost:
                key = lost[0][1]
                holder = await fetchrow(
                    Sql(
                        "SELECT coalesce(c.merged_into_id, c.id) AS holder FROM customer_contact_key k "
                        "JOIN customer c ON c.id = k.customer_id WHERE k.tenant_id = %s AND k.kind = %s "
                        "AND k.value = %s AND k.exclusive LIMIT 1",
                        p.tenant_id,
                        key.kind,
                        key.value,
                    )
                )
                raise ContactKeyTaken(*_named_key(row, key), holder["holder"] if holder else customer_id)
        await execute(
            Sql(
                "UPDATE customer SET deleted_at = NULL, purge_after = NULL, deleted_by_id = NULL, released_keys = NULL, "
                "version = version + 1, updated_at = now() WHERE id = %s AND tenant_id = %s",
                customer_id,
                p.tenant_id,
            )
        )
        await record_audit(access, "customer.restore", "Customer", customer_id, details={"keys": len(released)})
        await outbox.emit(access, WebhookEventType.CUSTOMER_RESTORED, "Customer", customer_id)
    return customer_id
