"""Notes: internal remarks on a customer, never shown to the customer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.rows import visible_rows
from models.activities import NOTE
from models.customers import CUSTOMER
from models.db import execute, fetch, fetchrow, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import outbox
from resolvers.audit import record_audit, ref
from resolvers.children import ChildKind, RowsById
from resolvers.customers import locate_for_change
from resolvers.errors import Errors, FieldErrorCode
from resolvers.locate import locate_or_refuse

BODY_MAX = 20_000
NOTE_COLUMNS = NOTE.select("n")
# A customer's notes, newest first.
NOTES = ChildKind.of(CUSTOMER.to_many("notes"), Sql("note t"))
NOTE_ROWS = RowsById("notes", "Note", "n", NOTE_COLUMNS)


def _clean_body(raw: str) -> str:
    body = raw.strip()
    errors = Errors()
    if not body:
        errors.add("body", FieldErrorCode.REQUIRED, "a note cannot be empty")
    elif len(body) > BODY_MAX:
        errors.add("body", FieldErrorCode.TOO_LONG, f"must be at most {BODY_MAX} characters")
    errors.raise_if_any()
    return body


async def add_note(access: Access, customer_id: UUID, body: str) -> dict[str, Any]:
    access.require(P.NOTE_WRITE)
    text = _clean_body(body)
    p = access.principal
    async with in_transaction():
        customer = await locate_for_change(access, customer_id, P.NOTE_WRITE, lock=False)
        row = await fetchrow(
            Sql(
                "INSERT INTO note (tenant_id, customer_id, author_id, author_name, body) VALUES (%s, %s, %s, %s, %s) "
                "RETURNING id, tenant_id, customer_id, author_id, author_name, body, created_at, edited_at",
                p.tenant_id,
                customer_id,
                p.user_id,
                p.name,
                text,
            )
        )
        assert row is not None
        await record_audit(
            access, "note.create", "Note", row["id"], after={"body": text, "customer": _customer(customer)}
        )
        await outbox.emit(access, WebhookEventType.NOTE_CREATED, "Note", row["id"], customer_id=customer_id)
    return row


def _customer(row: dict[str, Any]) -> dict[str, Any] | None:
    return ref("Customer", row["id"], row.get("name"))


async def _note_for_change(access: Access, note_id: UUID) -> dict[str, Any]:
    """The note (locked), when the caller may change it: its author (still writing notes on the
    customer) or a moderator. Others get NotFound if they cannot see it, else Forbidden."""
    return await locate_or_refuse(access, "Note", P.NOTE_WRITE, note_id, columns=NOTE_COLUMNS, alias="n")


async def edit_note(access: Access, note_id: UUID, body: str) -> dict[str, Any]:
    text = _clean_body(body)
    async with in_transaction():
        before = await _note_for_change(access, note_id)
        row = await fetchrow(
            Sql(
                "UPDATE note SET body = %s, edited_at = now() WHERE id = %s AND tenant_id = %s "
                "RETURNING id, tenant_id, customer_id, author_id, author_name, body, created_at, edited_at",
                text,
                note_id,
                access.principal.tenant_id,
            )
        )
        assert row is not None
        if before["body"] != text:
            await record_audit(
                access, "note.update", "Note", note_id, before={"body": before["body"]}, after={"body": text}
            )
    return row


async def delete_note(access: Access, note_id: UUID) -> None:
    async with in_transaction():
        before = await _note_for_change(access, note_id)
        await execute(Sql("DELETE FROM note WHERE id = %s AND tenant_id = %s", note_id, access.principal.tenant_id))
        await record_audit(
            access,
            "note.delete",
            "Note",
            note_id,
            before={"body": before["body"], "customer": ref("Customer", before["customer_id"])},
        )


async def last_notes(access: Access, customer_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    rows = await fetch(
        Sql(
            f"SELECT DISTINCT ON (n.customer_id) {NOTE_COLUMNS} FROM note n WHERE n.customer_id = ANY(%s::uuid[]) AND ",
            customer_ids,
        )
        + visible_rows(access, "Note", "n")
        + Sql(" ORDER BY n.customer_id, n.created_at DESC, n.id DESC")
    )
    return {r["customer_id"]: r for r in rows}
