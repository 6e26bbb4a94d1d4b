"""Merging duplicate customers into one, and undoing a merge.

A merge is one transaction. The primary keeps its id; every record of the duplicates moves to
it; the duplicates become tombstones pointing at it (their own data stays untouched, so undo
can bring them back). What undo needs is kept in ``customer_merge.snapshot``: the rows as they
were, which records moved from where, and which rows were dropped because the primary already
had an equal one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from authz.access import Access
from authz.catalogue import P
from authz.errors import Forbidden
from authz.masking import contact_hidden, unchecked_required
from authz.rows import customer_scope, locate_for, rows_for
from models.customers import CUSTOMER
from models.db import execute, fetch, fetchrow, fetchval, in_transaction
from models.sql import Sql, and_
from models.webhooks import WebhookEventType
from resolvers import billing_parent, contact_keys, history, outbox
from resolvers.audit import customer_changes, record_audit, ref
from resolvers.custom_fields import load_definitions
from resolvers.custom_values import FieldDef, by_key, check_required_values, check_values
from resolvers.customer_fields import check_required, search_text
from resolvers.customer_reads import SELECT, get_customers, reread
from resolvers.customers import refuse, write_row
from resolvers.errors import DomainError, Errors, FieldErrorCode, NotFound, ValidationFailed
from resolvers.history import EventKind
from resolvers.owners import check_owner

MAX_DUPLICATES = 20
UNDO_WINDOW = timedelta(days=30)
UNDO_FORBIDDEN = "Your role may not undo this merge: it involves customers outside your scope."


@dataclass(frozen=True)
class Related:
    """A table whose rows belong to a customer. ``unique_on`` names the column that, with the
    customer, must stay unique (a tag or a team linked once): rows the primary already has are
    dropped instead of moved."""

    table: str
    unique_on: str | None = None


# Every table with a customer_id column must be listed (a test checks the database for it).
RELATED: tuple[Related, ...] = (
    Related("customer_tag", unique_on="tag_id"),
    Related("customer_team", unique_on="team_id"),
    Related("customer_event"),
    Related("note"),
    Related("task"),
    Related("conversation"),
    Related("appointment"),
    Related("purchase"),
    Related("customer_external_id"),
    Related("contract"),
)
# Tables that reference customers but do not belong to one: not moved.
# An import's row records keep naming the customer they touched (a revert then sees the merge).
NOT_MOVED = frozenset({"customer_contact_key", "customer_merge", "import_row"})

# Mergeable fields (API name) and the columns each one carries together (``Column.merge``).
FIELD_COLUMNS = CUSTOMER.merge_fields
CUSTOM_PREFIX = "customFields."


def _api_field(column: str) -> str:
    """The API name of the field a column belongs to (e.g. address_city -> address)."""
    for field, columns in FIELD_COLUMNS.items():
        if column in columns:
            return field
    return "customFields" if column == "custom_fields" else column


class UndoBlock(StrEnum):
    ALREADY_UNDONE = "already_undone"
    EXPIRED = "expired"
    PRIMARY_MERGED_AWAY = "primary_merged_away"
    FIELDS_CHANGED = "fields_changed"
    DUPLICATE_GONE = "duplicate_gone"
    CONTACT_TAKEN = "contact_taken"


class MergeUndoBlocked(DomainError):
    def __init__(self, reason: UndoBlock, message: str, fields: list[str] | None = None) -> None:
        self.reason = reason
        self.fields = fields or []
        super().__init__(message)


@dataclass
class MergeRecord:
    id: UUID
    primary_id: UUID
    duplicate_ids: list[UUID]
    performed_at: datetime
    performed_by_id: UUID | None
    undone_at: datetime | None
    moved: dict[str, int]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(history.to_json(row))


def _blank(row: dict[str, Any], columns: tuple[str, ...]) -> bool:
    return all(row[c] in (None, "") for c in columns)


def _custom(row: dict[str, Any]) -> dict[str, Any]:
    value = row["custom_fields"]
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def merged_values(
    primary: dict[str, Any], duplicates: list[dict[str, Any]], choices: dict[str, UUID]
) -> dict[str, Any]:
    """Column values the primary takes: a chosen duplicate's value, else the first value that
    fills a blank, in the order the duplicates were given. Custom values are united likewise."""
    return merge_plan(primary, duplicates, choices)[0]


def merge_plan(
    primary: dict[str, Any], duplicates: list[dict[str, Any]], choices: dict[str, UUID]
) -> tuple[dict[str, Any], dict[str, UUID]]:
    """``merged_values`` and, for the history, the duplicate each value came from (by column, or
    ``custom_fields.<key>``): whoever may no longer see that customer will not see its values."""
    by_id = {d["id"]: d for d in duplicates}
    changes: dict[str, Any] = {}
    sources: dict[str, UUID] = {}
    for field, columns in FIELD_COLUMNS.items():
        source = by_id.get(choices[field]) if field in choices else None
        if source is None and _blank(primary, columns):
            source = next((d for d in duplicates if not _blank(d, columns)), None)
        if source is not None:
            taken = {c: source[c] for c in columns if source[c] != primary[c]}
            changes.update(taken)
            sources.update(dict.fromkeys(taken, source["id"]))
    custom = _custom(primary)
    for dup in duplicates:
        for key, value in _custom(dup).items():
            chosen = choices.get(CUSTOM_PREFIX + key)
            if (chosen is None and custom.get(key) in (None, "", [])) or chosen == dup["id"]:
                custom[key] = value
                sources[history.CUSTOM_SOURCE + key] = dup["id"]
    if custom != _custom(primary):
        changes["custom_fields"] = json.dumps(custom)
    return changes, sources


def _check_input(primary_id: UUID, duplicate_ids: list[UUID], choices: dict[str, UUID]) -> None:
    problems = []
    if not duplicate_ids:
        problems.append(("duplicateIds", FieldErrorCode.REQUIRED, "name at least one duplicate"))
    if len(duplicate_ids) > MAX_DUPLICATES:
        problems.append(("duplicateIds", FieldErrorCode.TOO_MANY, f"at most {MAX_DUPLICATES} at once"))
    if len(set(duplicate_ids)) != len(duplicate_ids):
        problems.append(("duplicateIds", FieldErrorCode.INVALID, "lists a customer twice"))
    if primary_id in duplicate_ids:
        problems.append(("duplicateIds", FieldErrorCode.INVALID, "cannot contain the primary"))
    for field, source in choices.items():
        if field not in FIELD_COLUMNS and not field.startswith(CUSTOM_PREFIX):
            problems.append(
                (
                    f"fieldChoices.{field}",
                    FieldErrorCode.UNKNOWN,
                    f"unknown field (one of {', '.join(FIELD_COLUMNS)} or customFields.<key>)",
                )
            )
        elif source != primary_id and source not in duplicate_ids:
            problems.append((f"fieldChoices.{field}", FieldErrorCode.INVALID, "must name the primary or a duplicate"))
    if problems:
        raise ValidationFailed([ValidationFailed.one(*p).errors[0] for p in problems])


def _checked(
    access: Access, primary: dict[str, Any], changes: dict[str, Any], fields: list[FieldDef]
) -> dict[str, Any]:
    """The merged customer must pass the checks of any other write: every custom value valid for a
    field of the company, and the required standard and custom fields filled."""
    settings = access.principal.settings
    errors = Errors()
    custom = check_values(by_key(fields), _custom({**primary, **changes}), settings.default_region, errors)
    # A merge writes no value of the caller's: a hidden field left empty says nothing it may learn.
    skip = unchecked_required(contact_hidden(access), {f.key: f.type for f in fields}, ())
    check_required({**primary, **changes}, settings.required_fields, errors, skip)
    check_required_values(fields, custom, errors, skip)
    errors.raise_if_any()
    changes = {k: v for k, v in changes.items() if k != "custom_fields"}
    if custom != _custom(primary):
        changes["custom_fields"] = json.dumps(custom)
    return changes


def _check_hidden_choices(access: Access, choices: dict[str, UUID], fields: list[FieldDef]) -> None:
    """Choosing among values one cannot see is refused, whatever the values: a choice that emptied a
    required field would otherwise tell that the chosen customer has none."""
    hidden = unchecked_required(contact_hidden(access), {f.key: f.type for f in fields}, ())
    refused = sorted(field for field in choices if field in hidden)
    if refused:
        raise ValidationFailed(
            [
                ValidationFailed.one(
                    f"fieldChoices.{field}", FieldErrorCode.NOT_ALLOWED, "contact data is hidden from you"
                ).errors[0]
                for field in refused
            ]
        )


def _actionable(access: Access, alias: str = "c") -> Sql:
    """Customers the caller may merge (or unmerge): within its merge scope and its read scope, so
    neither a merge nor its undo ever touches, or answers, a customer the caller cannot see."""
    return and_(rows_for(access, "Customer", P.CUSTOMER_MERGE, alias), customer_scope(access, P.CUSTOMER_READ, alias))


async def _lock_participants(access: Access, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    rows = await fetch(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", ids)
        + _actionable(access)
        + Sql(" ORDER BY c.id FOR UPDATE")  # one lock order for every merge: no deadlocks
    )
    found = {r["id"]: r for r in rows}
    for pk in ids:
        if pk not in found:
            await refuse(access, pk, P.CUSTOMER_MERGE)
    return found


async def merge_customers(
    access: Access, primary_id: UUID, duplicate_ids: list[UUID], choices: dict[str, UUID] | None = None
) -> tuple[dict[str, Any], MergeRecord]:
    access.require(P.CUSTOMER_MERGE)
    choices = {f: s for f, s in (choices or {}).items() if s != primary_id}
    _check_input(primary_id, duplicate_ids, choices)
    p = access.principal
    tenant = p.tenant_id
    async with in_transaction():
        # Before the customers (one lock order): the billing-parent lock is taken before row
        # locks everywhere, and the primary may take a duplicate's billing parent.
        await billing_parent.lock(access)
        fields = await load_definitions(tenant, lock=True)
        rows = await _lock_participants(access, [primary_id, *duplicate_ids])
        primary = rows[primary_id]
        duplicates = [rows[d] for d in duplicate_ids]
        _check_hidden_choices(access, choices, fields)
        planned, sources = merge_plan(primary, duplicates, choices)
        changes = _checked(access, primary, planned, fields)
        changes = await billing_parent.merged_parent(access, primary, duplicate_ids, changes)
        if changes.get("owner_id") is not None:
            await check_owner(tenant, changes["owner_id"], "fieldChoices.owner")

        moved: dict[str, list[list[str]]] = {}
        dropped: dict[str, list[dict[str, Any]]] = {}
        for rel in RELATED:
            if rel.unique_on:
                u = rel.unique_on
                gone = await fetch(
                    Sql(
                        f"DELETE FROM {rel.table} d WHERE d.tenant_id = %s AND d.customer_id = ANY(%s::uuid[]) AND ("
                        f"EXISTS (SELECT 1 FROM {rel.table} o WHERE o.tenant_id = d.tenant_id AND o.customer_id = %s "
                        f"AND o.{u} = d.{u}) OR EXISTS (SELECT 1 FROM {rel.table} o WHERE o.tenant_id = d.tenant_id "
                        f"AND o.customer_id = ANY(%s::uuid[]) AND o.{u} = d.{u} AND o.id < d.id)) RETURNING d.*",
                        tenant,
                        duplicate_ids,
                        primary_id,
                        duplicate_ids,
                    )
                )
                if gone:
                    dropped[rel.table] = [_jsonable(r) for r in gone]
            pairs = await fetch(
                Sql(
                    f"UPDATE {rel.table} t SET customer_id = %s FROM (SELECT id, customer_id AS old FROM {rel.table} "
                    "WHERE tenant_id = %s AND customer_id = ANY(%s::uuid[])) o WHERE t.id = o.id RETURNING t.id, o.old",
                    primary_id,
                    tenant,
                    duplicate_ids,
                )
            )
            if pairs:
                moved[rel.table] = [[str(r["id"]), str(r["old"])] for r in pairs]

        # Contact values the primary now holds leave the tombstones, which keep the rest (so a new
        # customer with a merged-away phone still finds its way to the primary).
        after_values = {**primary, **changes}
        wanted = list(contact_keys.keys_of(after_values))
        released = await fetch(
            Sql(
                "DELETE FROM customer_contact_key WHERE tenant_id = %s AND customer_id = ANY(%s::uuid[]) "
                "AND (kind, value) IN (SELECT * FROM unnest(%s::text[], %s::text[])) RETURNING *",
                tenant,
                duplicate_ids,
                [k.kind for k in wanted],
                [k.value for k in wanted],
            )
        )
        repointed = await fetch(
            Sql(
                "UPDATE customer t SET merged_into_id = %s FROM (SELECT id, merged_into_id AS old FROM customer "
                "WHERE tenant_id = %s AND merged_into_id = ANY(%s::uuid[])) o WHERE t.id = o.id RETURNING t.id, o.old",
                primary_id,
                tenant,
                duplicate_ids,
            )
        )
        rebilled = await billing_parent.follow_merge(tenant, primary_id, duplicate_ids)
        await execute(
            Sql(
                "UPDATE customer SET merged_into_id = %s, merged_at = now(), version = version + 1, updated_at = now() "
                "WHERE tenant_id = %s AND id = ANY(%s::uuid[])",
                primary_id,
                tenant,
                duplicate_ids,
            )
        )
        row = await write_row(tenant, primary, changes)
        assert row is not None
        lost = await contact_keys.claim(tenant, primary_id, row, exclusive=not p.settings.allow_duplicates)
        if lost:  # cannot happen unless a third customer holds a value the duplicates also held
            raise ValidationFailed.one(
                "duplicateIds",
                FieldErrorCode.INVALID,
                "a contact value of the merged customer belongs to yet another customer",
            )

        merge_id = uuid4()
        snapshot = {
            "primary": _jsonable(primary),
            "after": _jsonable({c: row[c] for c in changes}),
            "moved": moved,
            "dropped": dropped,
            "released_keys": [_jsonable(k) for k in released],
            "repointed": [[str(r["id"]), str(r["old"])] for r in repointed],
            "rebilled": [[str(c), str(old)] for c, old in rebilled],
        }
        await execute(
            Sql(
                "INSERT INTO customer_merge (id, tenant_id, primary_id, duplicate_ids, performed_by_id, "
                "primary_version_after, snapshot) VALUES (%s, %s, %s, %s::jsonb, %s, %s, %s::jsonb)",
                merge_id,
                tenant,
                primary_id,
                json.dumps([str(d) for d in duplicate_ids]),
                p.user_id,
                row["version"],
                history.to_json(snapshot),
            )
        )
        counts = {table: len(pairs) for table, pairs in moved.items()}
        await history.record(
            access,
            primary_id,
            EventKind.MERGED,
            {
                "merge_id": merge_id,
                "duplicates": [{"id": d["id"], "name": d["name"]} for d in duplicates],
                "moved": counts,
                "changes": history.diff(primary, row, list(changes)),
                history.SOURCES: sources,
            },
        )
        await history.record(
            access,
            duplicate_ids,
            EventKind.MERGED_INTO,
            {"merge_id": merge_id, "primary": {"id": primary_id, "name": row["name"]}},
        )
        await _record_rebilled(access, [(c, old, primary_id) for c, old in rebilled])
        before, after, contact = customer_changes(primary, row, {f.key: f.type for f in fields})
        await record_audit(
            access,
            "customer.merge",
            "Customer",
            primary_id,
            before=before,
            after=after,
            details={
                "merge": ref("Merge", merge_id),
                "duplicates": [ref("Customer", d["id"], d["name"]) for d in duplicates],
                "moved": counts,
                "rebilled": len(rebilled),
            },
            contact=contact,
        )
        await outbox.emit(
            access,
            WebhookEventType.CUSTOMER_MERGED,
            "Customer",
            primary_id,
            details={"merged": outbox.refs("Customer", duplicate_ids)},
        )
        performed = await fetchval(Sql("SELECT created_at FROM customer_merge WHERE id = %s", merge_id))
    return row, MergeRecord(merge_id, primary_id, duplicate_ids, performed, p.user_id, None, counts)


async def undo_merge(access: Access, merge_id: UUID) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Restore the duplicates with their own records, unless a later change makes it impossible."""
    access.require(P.CUSTOMER_MERGE)
    p = access.principal
    tenant = p.tenant_id
    async with in_transaction():
        await billing_parent.lock(access)  # before any row lock, as everywhere
        merge = await fetchrow(
            Sql("SELECT * FROM customer_merge WHERE id = %s AND tenant_id = %s FOR UPDATE", merge_id, tenant)
        )
        if merge is None:
            raise NotFound("Merge", str(merge_id))
        # A merge is visible with its primary (as node(id) shows it); acting on it needs more.
        visible = await fetchval(
            Sql("SELECT 1 FROM customer c WHERE c.id = %s AND ", merge["primary_id"])
            + customer_scope(access, P.CUSTOMER_READ)
        )
        if not visible:
            raise NotFound("Merge", str(merge_id))
        if not await _all_actionable(access, [merge["primary_id"]], live=False):
            raise Forbidden(UNDO_FORBIDDEN)
        if merge["undone_at"] is not None:
            raise MergeUndoBlocked(UndoBlock.ALREADY_UNDONE, "This merge was already undone.")
        if datetime.now(UTC) - merge["created_at"] > UNDO_WINDOW:
            raise MergeUndoBlocked(UndoBlock.EXPIRED, f"Merges can be undone for {UNDO_WINDOW.days} days.")
        snapshot = merge["snapshot"]
        duplicate_ids = [UUID(d) for d in merge["duplicate_ids"]]
        primary_id = merge["primary_id"]

        rows = {
            r["id"]: r
            for r in await fetch(
                Sql(
                    f"SELECT {SELECT}, c.merged_into_id FROM customer c WHERE c.tenant_id = %s AND c.id = ANY(%s::uuid[]) "
                    "ORDER BY c.id FOR UPDATE",
                    tenant,
                    [primary_id, *duplicate_ids],
                )
            )
        }
        primary = rows.get(primary_id)
        if primary is None:
            raise NotFound("Merge", str(merge_id))
        if primary["merged_into_id"] is not None:
            raise MergeUndoBlocked(
                UndoBlock.PRIMARY_MERGED_AWAY,
                "The customer this merge kept was itself merged into another customer since; undo that merge first.",
            )
        gone = [d for d in duplicate_ids if d not in rows or rows[d]["merged_into_id"] != primary_id]
        if gone:
            # Said only about customers the caller could act on, so it tells nothing of others.
            still_there = [d for d in gone if d in rows]
            if still_there and not await _all_actionable(access, still_there, live=False):
                raise Forbidden(UNDO_FORBIDDEN)
            raise MergeUndoBlocked(
                UndoBlock.DUPLICATE_GONE, "A merged-away customer no longer exists as it was left by the merge."
            )
        current = _jsonable({c: primary[c] for c in snapshot["after"]})
        changed = sorted({_api_field(c) for c, v in snapshot["after"].items() if current[c] != v})
        if changed:
            raise MergeUndoBlocked(
                UndoBlock.FIELDS_CHANGED,
                "Fields the merge filled were edited since: "
                + ", ".join(changed)
                + ". Undoing would lose those edits.",
                changed,
            )

        restore = list(snapshot["after"])
        if restore:
            cols = ", ".join(restore)
            await execute(
                Sql(
                    f"UPDATE customer c SET ({cols}) = (SELECT {', '.join('r.' + c for c in restore)} "
                    "FROM jsonb_populate_record(NULL::customer, %s::jsonb) r) WHERE c.id = %s AND c.tenant_id = %s",
                    json.dumps(snapshot["primary"]),
                    primary_id,
                    tenant,
                )
            )
        await execute(
            Sql(
                "UPDATE customer SET version = version + 1, updated_at = now() WHERE id = %s AND tenant_id = %s",
                primary_id,
                tenant,
            )
        )
        await execute(
            Sql(
                "UPDATE customer SET merged_into_id = NULL, merged_at = NULL, version = version + 1, updated_at = now() "
                "WHERE tenant_id = %s AND id = ANY(%s::uuid[])",
                tenant,
                duplicate_ids,
            )
        )
        for tomb, old in snapshot["repointed"]:
            await execute(
                Sql(
                    "UPDATE customer SET merged_into_id = %s WHERE id = %s AND tenant_id = %s AND merged_into_id = %s",
                    UUID(old),
                    UUID(tomb),
                    tenant,
                    primary_id,
                )
            )
        for table, pairs in snapshot["moved"].items():
            await execute(
                Sql(
                    f"UPDATE {table} t SET customer_id = m.old FROM unnest(%s::uuid[], %s::uuid[]) AS m(id, old) "
                    "WHERE t.id = m.id AND t.tenant_id = %s AND t.customer_id = %s",
                    [UUID(i) for i, _ in pairs],
                    [UUID(o) for _, o in pairs],
                    tenant,
                    primary_id,
                )
            )
        for table, dropped_rows in snapshot["dropped"].items():
            await execute(
                Sql(
                    f"INSERT INTO {table} SELECT * FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) "
                    "ON CONFLICT DO NOTHING",
                    json.dumps(dropped_rows),
                )
            )

        followed = [(UUID(c), UUID(old)) for c, old in snapshot.get("rebilled", [])]
        rebilled_back = await billing_parent.undo_follow(tenant, primary_id, followed)
        if rebilled_back is None:
            raise MergeUndoBlocked(
                UndoBlock.FIELDS_CHANGED,
                "Billing parents were changed since: billing the customers that followed the merge to their "
                "former parents again would close a loop.",
                ["billingParentId"],
            )
        await _record_rebilled(access, [(c, primary_id, old) for c, old in rebilled_back])

        # Every customer the undo touches is judged as it now stands again, which is how the merge
        # found it (a merged-away customer keeps its owner; its teams came back with its records).
        # Refusing here rolls the whole undo back.
        if not await _all_actionable(access, [primary_id, *duplicate_ids]):
            raise Forbidden(UNDO_FORBIDDEN)

        restored = await reread(tenant, primary_id)
        if "name" in restore or "trade_name" in restore:
            await execute(
                Sql(
                    "UPDATE customer SET search_text = %s WHERE id = %s AND tenant_id = %s",
                    search_text(restored["name"], restored["trade_name"]),
                    primary_id,
                    tenant,
                )
            )
        await contact_keys.claim(tenant, primary_id, restored, exclusive=not p.settings.allow_duplicates)
        if snapshot["released_keys"]:
            back = await fetch(
                Sql(
                    "INSERT INTO customer_contact_key SELECT * FROM "
                    "jsonb_populate_recordset(NULL::customer_contact_key, %s::jsonb) ON CONFLICT DO NOTHING RETURNING id",
                    json.dumps(snapshot["released_keys"]),
                )
            )
            if len(back) != len(snapshot["released_keys"]):
                raise MergeUndoBlocked(
                    UndoBlock.CONTACT_TAKEN,
                    "A contact value of a merged-away customer now belongs to another customer.",
                )

        await execute(
            Sql("UPDATE customer_merge SET undone_at = now(), undone_by_id = %s WHERE id = %s", p.user_id, merge_id)
        )
        await history.record(
            access,
            [primary_id, *duplicate_ids],
            EventKind.MERGE_UNDONE,
            {"merge_id": merge_id, "primary_id": primary_id, "duplicate_ids": duplicate_ids},
        )
        before, after, contact = customer_changes(primary, restored)
        await record_audit(
            access,
            "customer.unmerge",
            "Customer",
            primary_id,
            before=before,
            after=after,
            details={"merge": ref("Merge", merge_id), "duplicates": [ref("Customer", d) for d in duplicate_ids]},
            contact=contact,
        )
        await outbox.emit(access, WebhookEventType.CUSTOMER_UNMERGED, "Customer", [primary_id, *duplicate_ids])
        # Read back through the caller's read scope: the answer carries nothing it may not see.
        readable = await get_customers(access, [primary_id, *duplicate_ids])
        return readable[primary_id], [readable[d] for d in duplicate_ids if d in readable]


async def _record_rebilled(access: Access, changes: list[tuple[UUID, UUID, UUID]]) -> None:
    """History and webhooks for customers whose billing parent a merge or its undo changed:
    (customer, former parent, new parent)."""
    by_pair: dict[tuple[UUID, UUID], list[UUID]] = {}
    for customer, before, after in changes:
        by_pair.setdefault((before, after), []).append(customer)
    for (before, after), ids in by_pair.items():
        await history.record(
            access, ids, EventKind.UPDATED, {"changes": {history.CUSTOMER_COLUMN: [str(before), str(after)]}}
        )
    if changes:
        await outbox.emit(access, WebhookEventType.CUSTOMER_UPDATED, "Customer", [c for c, _, _ in changes])


async def _all_actionable(access: Access, ids: list[UUID], *, live: bool = True) -> bool:
    """Whether the caller may merge and read every customer of ``ids`` (``live=False``: judged by
    the rows whatever their merged state)."""
    scope = (
        _actionable(access)
        if live
        else and_(customer_scope(access, P.CUSTOMER_MERGE), customer_scope(access, P.CUSTOMER_READ))
    )
    found = await fetchval(Sql("SELECT count(*) FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", ids) + scope)
    return found == len(set(ids))


async def get_merge(access: Access, merge_id: UUID) -> MergeRecord | None:
    row = await locate_for(access, "Merge", None, merge_id, lock=False)
    if row is None:
        return None
    snapshot = row["snapshot"]
    # It names only the merged-away customers the caller may read now (once a merge is undone,
    # they are customers of their own again, perhaps outside the caller's scope).
    duplicates = [UUID(d) for d in row["duplicate_ids"]]
    readable = await history.readable_customers(access, set(duplicates))
    return MergeRecord(
        row["id"],
        row["primary_id"],
        [d for d in duplicates if d in readable],
        row["created_at"],
        row["performed_by_id"],
        row["undone_at"],
        {t: len(p) for t, p in snapshot["moved"].items()},
    )
