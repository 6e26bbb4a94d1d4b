"""Writing customers: create (with duplicate handling), update, tag."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NoReturn
from uuid import UUID, uuid4

from authz.access import Access
from authz.catalogue import P, Permission
from authz.errors import Forbidden
from authz.masking import CONTACT_COLUMNS, contact_hidden, unchecked_required
from authz.rows import refusal_for, rows_for
from models.customers import CUSTOMER, OriginChannel
from models.db import execute, fetchrow, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import billing_parent, contact_keys, history, inactivation, outbox
from resolvers import tags as tag_ops
from resolvers.audit import customer_changes, record_audit
from resolvers.custom_fields import load_definitions
from resolvers.custom_values import FieldDef, apply_changes, by_key, check_required_values, clean_inputs
from resolvers.customer_fields import check_required, clean_customer_fields, search_text
from resolvers.customer_reads import RETURNING, SELECT, reread
from resolvers.duplicates import DuplicateFound, OnDuplicate, hits_for
from resolvers.errors import Errors, FieldErrorCode, NotFound, ValidationFailed, VersionConflict
from resolvers.history import EventKind
from resolvers.locate import locate_or_refuse
from resolvers.owners import check_owner

# Columns whose changes the history records (everything a client can write): the descriptor's.
TRACKED = list(CUSTOMER.tracked)


class Outcome(StrEnum):
    CREATED = "created"
    MERGED = "merged"  # the input filled the blanks of an existing customer
    UPDATED = "updated"  # the input overwrote an existing customer's fields


async def _owner_change(access: Access, data: dict[str, Any]) -> dict[str, Any]:
    """{'owner_id': ...} when the input chooses a seller and the caller may do so."""
    if "ownerId" not in data:
        return {}
    if not access.can(P.CUSTOMER_ASSIGN):
        raise Forbidden(P.CUSTOMER_ASSIGN.refusal("a customer"))
    if data["ownerId"] is not None:
        await check_owner(access.principal.tenant_id, data["ownerId"], "ownerId")
    return {"owner_id": data["ownerId"]}


async def _claim_keys(access: Access, customer_id: UUID, row: dict[str, Any]) -> None:
    """Take the row's contact keys or fail with DuplicateFound (the transaction rolls back)."""
    p = access.principal
    lost = await contact_keys.claim(p.tenant_id, customer_id, row, exclusive=not p.settings.allow_duplicates)
    if lost:
        raise DuplicateFound(await hits_for(access, contact_keys.keys_of(row), lost))


@dataclass(frozen=True, slots=True)
class Cleaned:
    """An input checked against the company's fields."""

    values: dict[str, Any]  # standard columns
    custom: dict[str, Any]  # custom field key -> canonical value, or None to clear it
    fields: list[FieldDef]  # the company's custom fields, locked FOR SHARE until the transaction ends


async def _clean(access: Access, data: dict[str, Any], *, creating: bool, new_row: bool = False) -> Cleaned:
    """Check the input against the company's fields, reporting every problem at once.

    Call it inside the transaction and before locking any customer: it locks the definitions
    first (see ``load_definitions``). With ``new_row`` the input is the whole row to be written,
    so the required fields are checked too.
    """
    fields = await load_definitions(access.principal.tenant_id, lock=True)
    return check_input(access, fields, data, creating=creating, new_row=new_row)


def check_input(
    access: Access, fields: list[FieldDef], data: dict[str, Any], *, creating: bool, new_row: bool = False
) -> Cleaned:
    """``_clean`` against definitions already loaded: every write path (an imported row too)
    checks its input here. Raises ValidationFailed with every problem."""
    region = access.principal.settings.default_region
    errors = Errors()
    values = clean_customer_fields(data, region, creating=creating, errors=errors)
    values.pop("_search_changed", None)
    custom = clean_inputs(by_key(fields), data.get("customFields") or [], region, errors)
    if new_row:
        _check_required(access, values, apply_changes({}, custom), fields, errors)
    errors.raise_if_any()
    return Cleaned(values, custom, fields)


def _check_required(
    access: Access,
    row: dict[str, Any],
    custom: dict[str, Any],
    fields: list[FieldDef],
    errors: Errors,
    written: set[str] | None = None,
) -> None:
    """The company's required standard and custom fields, on the row as it would be written.

    ``written``: the API names of the fields this request writes to an existing row; None when
    the row is all input (a creation). Hidden fields it does not write are not checked.
    """
    skip = (
        unchecked_required(contact_hidden(access), {f.key: f.type for f in fields}, written)
        if written is not None
        else frozenset()
    )
    check_required(row, access.principal.settings.required_fields, errors, skip)
    check_required_values(fields, custom, errors, skip)


def _require(
    access: Access,
    row: dict[str, Any],
    custom: dict[str, Any],
    fields: list[FieldDef],
    written: set[str] | None = None,
) -> None:
    errors = Errors()
    _check_required(access, row, custom, fields, errors, written)
    errors.raise_if_any()


async def create_customer(
    access: Access, data: dict[str, Any], on_duplicate: OnDuplicate = OnDuplicate.BLOCK
) -> tuple[dict[str, Any], Outcome]:
    access.require(P.CUSTOMER_CREATE)
    p = access.principal
    tag_names = tag_ops.clean_tag_names(data.get("tags") or [])
    owner = await _owner_change(access, data)
    async with in_transaction():
        # With BLOCK the input is the row to write, so a missing required field (the name too) is
        # reported with the rest; otherwise it is checked on whichever row is written: an input that
        # matches a customer needs no name to update it (see _fold_into_existing).
        blocking = on_duplicate is OnDuplicate.BLOCK
        cleaned = await _clean(access, data, creating=blocking, new_row=blocking)
        values = cleaned.values
        if not p.settings.allow_duplicates:
            wanted = contact_keys.keys_of(values)
            holders = await contact_keys.find_holders(p.tenant_id, list(wanted))
            if holders:
                hits = await hits_for(access, wanted, holders)
                if on_duplicate is OnDuplicate.BLOCK:
                    raise DuplicateFound(hits)
                return await _fold_into_existing(access, hits, cleaned, owner, tag_names, on_duplicate)
        cleaned.values.update(await billing_parent.parent_change(access, data, None))
        values = new_customer_values(access, cleaned, owner)
        columns = list(values)
        row = await fetchrow(
            Sql(
                f"INSERT INTO customer ({', '.join(columns)}) VALUES "
                f"({', '.join(['%s'] * len(columns))}) RETURNING {RETURNING}",
                *values.values(),
            )
        )
        assert row is not None
        await _claim_keys(access, row["id"], row)
        if tag_names:
            await tag_ops.attach(p.tenant_id, row["id"], tag_names)
        await history.record(
            access, row["id"], EventKind.CREATED, {"fields": history.diff({}, row, TRACKED), "tags": tag_names}
        )
        _, after, contact = customer_changes({}, row, {f.key: f.type for f in cleaned.fields})
        await record_audit(
            access, "customer.create", "Customer", row["id"], after=after, details={"tags": tag_names}, contact=contact
        )
        await outbox.emit(access, WebhookEventType.CUSTOMER_CREATED, "Customer", row["id"])
    return row, Outcome.CREATED


def new_customer_values(access: Access, cleaned: Cleaned, owner: dict[str, Any]) -> dict[str, Any]:
    """The columns of a new customer from a cleaned input (required fields checked)."""
    p = access.principal
    values = dict(cleaned.values)
    if not values.get("name"):
        raise ValidationFailed.one("name", FieldErrorCode.REQUIRED, "is required")
    custom = apply_changes({}, cleaned.custom)
    _require(access, values, custom, cleaned.fields)
    if not owner and not access.can(P.CUSTOMER_ASSIGN):
        owner = {"owner_id": p.user_id}  # a seller's new customer lands in their own portfolio
    values.update(owner)
    if p.api_key_id is not None and not values.get("origin_channel"):
        values["origin_channel"] = OriginChannel.API.value  # an integration's customer, unless it says otherwise
    values["custom_fields"] = json.dumps(custom)
    values["search_text"] = search_text(values.get("name"), values.get("trade_name"))
    values.update(id=uuid4(), tenant_id=p.tenant_id, created_by_id=p.user_id)
    return values


async def _fold_into_existing(
    access: Access,
    hits: list[Any],
    cleaned: Cleaned,
    owner: dict[str, Any],
    tag_names: list[str],
    mode: OnDuplicate,
) -> tuple[dict[str, Any], Outcome]:
    """onDuplicate MERGE / UPDATE: apply the input to the one existing customer it matched."""
    if len(hits) > 1:
        raise DuplicateFound(hits, "It matches several customers: merge them first.")
    target = hits[0]
    current = await fetchrow(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = %s AND ", target.customer_id)
        + rows_for(access, "Customer", P.CUSTOMER_UPDATE, "c")
        + Sql(" FOR UPDATE")
    )
    if current is None or not access.can(P.CUSTOMER_UPDATE):
        raise DuplicateFound(hits, "You may not update the existing customer.")
    changes = {k: v for k, v in cleaned.values.items() if k in current}
    custom = cleaned.custom
    if mode is OnDuplicate.MERGE:
        # Fill only what the existing customer lacks; a contact column comes with its raw twin.
        changes = {k: v for k, v in changes.items() if v not in (None, "") and current[k] in (None, "")}
        for raw, norm in (("email", "email_normalized"), ("phone", "phone_e164"), ("whatsapp", "whatsapp_e164")):
            if raw not in changes:
                changes.pop(norm, None)
        if owner and current["owner_id"] is None:
            changes.update(owner)
        held = current["custom_fields"] or {}
        custom = {k: v for k, v in custom.items() if v is not None and held.get(k) is None}
    else:
        changes.update(owner)
    row = await apply_update(access, current, changes, custom, cleaned.fields)
    await add_tags(access, row["id"], tag_names)
    return row, Outcome.MERGED if mode is OnDuplicate.MERGE else Outcome.UPDATED


async def add_tags(access: Access, customer_id: UUID, tag_names: list[str]) -> None:
    """Tags an input adds to a customer it updates (it never removes any), created when missing;
    those newly attached get their history entry, audit entry and webhook. Inside the caller's
    transaction, with the customer locked for update."""
    if not tag_names:
        return
    tenant = access.principal.tenant_id
    added = await tag_ops.attach(tenant, customer_id, tag_names)
    if added:
        await execute(
            Sql("UPDATE customer SET updated_at = now() WHERE id = %s AND tenant_id = %s", customer_id, tenant)
        )
        await history.record(access, customer_id, EventKind.TAGS_CHANGED, {"added": added, "removed": []})
        await record_audit(access, "customer.tags", "Customer", customer_id, details={"added": added, "removed": []})
        await emit_changed(access, customer_id, {"tags": added})


async def apply_update(
    access: Access,
    current: dict[str, Any],
    changes: dict[str, Any],
    custom: dict[str, Any],
    fields: list[FieldDef],
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``changes`` (columns) and ``custom`` (value changes) to a locked row: required fields,
    version, search text, contact keys and history (``source`` is added to the history entry:
    e.g. the import the change came from)."""
    p = access.principal
    changes = changes_to_write(access, current, changes, custom, fields)
    row = await write_row(p.tenant_id, current, changes)
    assert row is not None
    if set(CONTACT_COLUMNS) & changes.keys():  # the contact keys follow the contact columns
        await _claim_keys(access, row["id"], row)
    changed = history.diff(current, row, TRACKED)
    if changed:
        await history.record(access, row["id"], update_kind(changed), {"changes": changed, **(source or {})})
        if source is None:  # an import's changes are the import's entry (import.start)
            before, after, contact = customer_changes(current, row, {f.key: f.type for f in fields})
            await record_audit(
                access, "customer.update", "Customer", row["id"], before=before, after=after, contact=contact
            )
        await emit_changed(access, row["id"], changed)
    return row


async def emit_changed(access: Access, customer_id: UUID, changed: dict[str, Any]) -> None:
    """The webhook events of a change to a customer (see ``emit_changes``)."""
    await emit_changes(access, {customer_id: set(changed)})


async def emit_changes(access: Access, changed: dict[UUID, set[str]]) -> None:
    """The webhook events of changes to customers (customer -> the columns changed, ``tags`` for
    tags): owner_changed for a new seller, status_changed for a new status, updated for anything
    else; each that applies, in that order, one statement per kind however many customers."""
    kinds = (
        (WebhookEventType.CUSTOMER_OWNER_CHANGED, lambda cols: "owner_id" in cols),
        (WebhookEventType.CUSTOMER_STATUS_CHANGED, lambda cols: "status" in cols),
        (WebhookEventType.CUSTOMER_UPDATED, lambda cols: bool(cols - {"owner_id", "status"})),
    )
    for kind, applies in kinds:
        ids = [pk for pk, cols in changed.items() if applies(cols)]
        if ids:
            await outbox.emit(access, kind, "Customer", ids)


def update_kind(changed: dict[str, Any]) -> EventKind:
    """The history entry an update writes: a change of seller alone is a transfer."""
    return EventKind.TRANSFERRED if changed.keys() == {"owner_id"} else EventKind.UPDATED


def changes_to_write(
    access: Access,
    current: dict[str, Any],
    changes: dict[str, Any],
    custom: dict[str, Any],
    fields: list[FieldDef],
) -> dict[str, Any]:
    """The columns an update writes to ``current`` (custom values folded in), after checking the
    company's required fields on the row as it would be; raises ValidationFailed."""
    held = current["custom_fields"] or {}
    custom_after = apply_changes(held, custom)
    if custom_after != held:
        changes = {**changes, "custom_fields": json.dumps(custom_after)}
    written = set(changes) | {f"customFields.{key}" for key in custom}
    _require(access, {**current, **changes}, custom_after, fields, written)
    return changes


def columns_written(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The columns an UPDATE of ``current`` with ``changes`` sets: the search text follows the names."""
    written = dict(changes)
    if "name" in changes or "trade_name" in changes:
        written["search_text"] = search_text(
            changes.get("name", current["name"]), changes.get("trade_name", current["trade_name"])
        )
    return written


async def write_row(tenant_id: UUID, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """UPDATE a locked customer row with ``changes``: a new version, and the search text kept in
    step with the names. Answers the row as written."""
    written = columns_written(current, changes)
    assignments = "".join(f"{col} = %s, " for col in written)
    row = await fetchrow(
        Sql(
            f"UPDATE customer SET {assignments}version = version + 1, updated_at = now() "
            f"WHERE id = %s AND tenant_id = %s RETURNING {RETURNING}",
            *written.values(),
            current["id"],
            tenant_id,
        )
    )
    assert row is not None
    return row


async def locate_for_change(
    access: Access, customer_id: UUID, perm: Permission, *, lock: bool = True
) -> dict[str, Any]:
    """The live row (locked) when the caller may act on it with ``perm``; else NotFound/Forbidden.

    A customer the caller cannot even read answers NotFound, exactly like a missing id.
    """
    return await locate_or_refuse(access, "Customer", perm, customer_id, lock=lock, columns=SELECT, alias="c")


async def refuse(access: Access, customer_id: UUID, perm: Permission) -> NoReturn:
    """Why the caller may not act on a customer: Forbidden when they can see it, else NotFound,
    exactly as for an id that never existed."""
    refusal = await refusal_for(access, "Customer", perm, customer_id)
    if refusal is not None:
        raise Forbidden(refusal)
    raise NotFound("Customer", str(customer_id))


async def update_customer(
    access: Access,
    customer_id: UUID,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> dict[str, Any]:
    access.require(P.CUSTOMER_UPDATE)
    owner = await _owner_change(access, data)
    async with in_transaction():
        cleaned = await _clean(access, data, creating=False)
        await billing_parent.serialise(access, data)
        current = await locate_for_change(access, customer_id, P.CUSTOMER_UPDATE)
        if expected_version is not None and current["version"] != expected_version:
            raise VersionConflict(expected_version, current["version"])
        # Status goes through the rule of setCustomerStatus (permission, blockers, audit).
        await inactivation.check_status_change(access, current, cleaned.values.get("status"))
        owner = {**owner, **await billing_parent.parent_change(access, data, customer_id)}
        row = await apply_update(access, current, {**cleaned.values, **owner}, cleaned.custom, cleaned.fields)
        await inactivation.audit_status_change(access, current, row)
        return row


async def change_tags(
    access: Access, customer_id: UUID, *, add: list[str] | None = None, remove: list[str] | None = None
) -> dict[str, Any]:
    access.require(P.CUSTOMER_TAG)
    p = access.principal
    to_add = tag_ops.clean_tag_names(add or [])
    to_remove = tag_ops.clean_tag_names(remove or [])
    async with in_transaction():
        await locate_for_change(access, customer_id, P.CUSTOMER_TAG)
        added = await tag_ops.attach(p.tenant_id, customer_id, to_add) if to_add else []
        removed = await tag_ops.detach(p.tenant_id, customer_id, to_remove) if to_remove else []
        await execute(
            Sql("UPDATE customer SET updated_at = now() WHERE id = %s AND tenant_id = %s", customer_id, p.tenant_id)
        )
        if added or removed:
            await history.record(access, customer_id, EventKind.TAGS_CHANGED, {"added": added, "removed": removed})
            await record_audit(
                access, "customer.tags", "Customer", customer_id, details={"added": added, "removed": removed}
            )
            await emit_changed(access, customer_id, {"tags": added + removed})
        return await reread(p.tenant_id, customer_id)
