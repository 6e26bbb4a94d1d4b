"""What becomes of each row of a batch: the one decision the dry run shows and the run applies.

A row is checked exactly as createCustomer checks its input (``check_input``), then matched by
its contact keys (the keys duplicate blocking uses, ninth digit folded) against the company's
customers and against the rows before it in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P, Scope
from authz.masking import CONTACT_COLUMNS, contact_hidden
from authz.rows import rows_for
from models import CustomerStatus, ImportMode, OriginChannel, RowAction
from models.db import fetch
from models.sql import Sql, and_
from resolvers import contact_keys
from resolvers import tags as tag_ops
from resolvers.contact_keys import Key
from resolvers.custom_values import FieldDef
from resolvers.customer_reads import SELECT, get_customers
from resolvers.customers import Cleaned, changes_to_write, check_input, new_customer_values
from resolvers.duplicates import DuplicateFound, DuplicateHit
from resolvers.errors import FieldError, FieldErrorCode, ValidationFailed
from resolvers.history import _plain
from resolvers.imports.mapping import ColumnTarget
from resolvers.imports.rows import column_of, row_input
from resolvers.imports.seen import InFileKeys
from resolvers.inactivation import refused_status_changes

Cells = list[str]
_STATUSES = frozenset(s.value for s in CustomerStatus)
_CHANNELS = frozenset(o.value for o in OriginChannel)


@dataclass
class ImportContext:
    """Everything a batch needs, loaded once per run (or per batch for the definitions)."""

    access: Access
    import_id: UUID
    number: int
    mode: ImportMode
    headers: list[str]
    targets: list[ColumnTarget | None]
    fields: list[FieldDef]

    @property
    def tenant_id(self) -> UUID:
        return self.access.principal.tenant_id

    @property
    def own_portfolio_only(self) -> bool:
        """A seller's import: every customer lands in (and is matched within) their portfolio."""
        return self.access.scope(P.IMPORT_CREATE) is not Scope.ALL or not self.access.can(P.CUSTOMER_ASSIGN)


@dataclass
class Decision:
    row_number: int
    cells: Cells
    action: RowAction
    errors: list[dict[str, Any]] = field(default_factory=list)
    customer_id: UUID | None = None
    cleaned: Cleaned | None = None
    owner: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    keys: dict[Key, set[str]] = field(default_factory=dict)
    defaulted: frozenset[str] = frozenset()  # columns the file did not give (a new customer's defaults)
    values: dict[str, Any] | None = None  # CREATE: the new customer's columns
    current: dict[str, Any] | None = None  # UPDATE: the customer as it is
    changes: dict[str, Any] | None = None  # UPDATE: the columns the input sets
    before: dict[str, Any] | None = None  # UPDATE, once applied: what a revert restores
    version_after: int | None = None  # UPDATE, once applied: the version the import left


def _cell_errors(ctx: ImportContext, errors: list[FieldError]) -> list[dict[str, Any]]:
    return [
        {"column": column_of(ctx.targets, ctx.headers, e.field), "field": e.field, "code": e.code.value,
         "message": e.message}
        for e in errors
    ]  # fmt: skip


async def _owners(ctx: ImportContext, emails: set[str]) -> dict[str, UUID]:
    if not emails:
        return {}
    rows = await fetch(
        Sql(
            "SELECT lower(email) AS email, id FROM app_user WHERE tenant_id = %s AND is_active "
            "AND lower(email) = ANY(%s::text[])",
            ctx.tenant_id,
            sorted(emails),
        )
    )
    return {r["email"]: r["id"] for r in rows}


@dataclass
class Checked:
    """A row checked on its own, as createCustomer checks an input: no database involved, so a
    batch can be checked in a thread while the batch before it is written."""

    row_number: int
    cells: Cells
    owner_email: str | None
    problems: list[FieldError]  # found before the owner is looked up (status, channel, tags)
    later: list[FieldError]  # found by ``check_input``, reported after the owner's
    cleaned: Cleaned | None
    tags: list[str]
    defaulted: frozenset[str]


@dataclass
class CheckedBatch:
    fields: list[FieldDef]  # the definitions the rows were checked against
    rows: list[Checked]


def check_rows(ctx: ImportContext, batch: list[tuple[int, Cells]]) -> CheckedBatch:
    """Check each row of a batch against the definitions loaded now (safe in a worker thread)."""
    fields = ctx.fields
    by_key = {f.key: f for f in fields}
    out: list[Checked] = []
    # An import started with an API key is an integration's: its customers come from the API.
    default_origin = OriginChannel.API.value if ctx.access.principal.api_key_id else OriginChannel.IMPORT.value
    for n, cells in batch:
        given = row_input(ctx.targets, cells, by_key)
        problems: list[FieldError] = []
        data = dict(given.data)
        defaulted = frozenset(
            c for c, api in (("status", "status"), ("origin_channel", "originChannel")) if api not in data
        )
        status = str(data.get("status") or "active").strip().lower()
        data["status"] = {"ativo": "active", "inativo": "inactive"}.get(status, status)
        if data["status"] not in _STATUSES:
            problems.append(FieldError("status", FieldErrorCode.INVALID, "must be active or inactive"))
            data.pop("status")
        origin = str(data.get("originChannel") or default_origin).strip().lower()
        data["originChannel"] = origin
        if origin not in _CHANNELS:
            problems.append(FieldError("originChannel", FieldErrorCode.INVALID, f"'{origin}' is not a known channel"))
            data.pop("originChannel")
        tags: list[str] = []
        try:
            tags = tag_ops.clean_tag_names(data.pop("tags", []))
        except ValidationFailed as exc:
            problems.extend(exc.errors)
        cleaned, later = None, []
        try:
            cleaned = check_input(ctx.access, fields, data, creating=True)
        except ValidationFailed as exc:
            later = exc.errors
        out.append(Checked(n, cells, given.owner_email, problems, later, cleaned, tags, defaulted))
    return CheckedBatch(fields, out)


async def screen(ctx: ImportContext, checked: CheckedBatch, seen: InFileKeys) -> list[Decision]:
    """Decide the checked rows' errors and find the ones repeating an earlier row's key (``seen``
    grows). Rows checked against other definitions than the batch's are checked again."""
    if checked.fields != ctx.fields:
        checked = check_rows(ctx, [(c.row_number, c.cells) for c in checked.rows])
    access = ctx.access
    forced = {"owner_id": access.principal.user_id} if ctx.own_portfolio_only else None
    emails = {c.owner_email.lower() for c in checked.rows if c.owner_email}
    owners = {} if forced else await _owners(ctx, emails)
    out: list[Decision] = []
    for c in checked.rows:
        problems = list(c.problems)
        owner: dict[str, Any] = forced or {}
        if c.owner_email and not forced:
            owner_id = owners.get(c.owner_email.lower())
            if owner_id is None:
                problems.append(
                    FieldError("owner", FieldErrorCode.UNKNOWN, "no active user of the company has this email")
                )
            else:
                owner = {"owner_id": owner_id}
        problems.extend(c.later)
        if problems or c.cleaned is None:
            out.append(Decision(c.row_number, c.cells, RowAction.ERROR, _cell_errors(ctx, problems)))
            continue
        keys = contact_keys.keys_of(c.cleaned.values)
        out.append(
            Decision(
                c.row_number, c.cells, RowAction.CREATE, cleaned=c.cleaned, owner=owner, tags=c.tags, keys=keys,
                defaulted=c.defaulted,
            )
        )  # fmt: skip
    valid = [d for d in out if d.action is RowAction.CREATE]
    await seen.load(k for d in valid for k in d.keys)
    for d in valid:  # in file order: the first row giving a key keeps it
        first = min((r for k in d.keys if (r := seen.get(k)) is not None), default=None)
        if first is None:
            for k in d.keys:
                seen.add(k, d.row_number)
            continue
        fields = sorted({f for k, fs in d.keys.items() if k in seen for f in fs})
        errors = [FieldError(f, FieldErrorCode.DUPLICATE, f"the same value is in row {first}") for f in fields]
        d.action, d.errors, d.cleaned, d.keys = RowAction.DUPLICATE_IN_FILE, _cell_errors(ctx, errors), None, {}
    return out


async def _holders(ctx: ImportContext, decisions: list[Decision]) -> dict[Key, set[UUID]]:
    wanted = list({k for d in decisions for k in d.keys})
    held: dict[Key, set[UUID]] = {}
    for match in await contact_keys.find_holders(ctx.tenant_id, wanted):
        for key in match.keys:
            held.setdefault(key, set()).add(match.customer_id)
    return held


async def _updatable(ctx: ImportContext, ids: set[UUID], lock: bool) -> dict[UUID, dict[str, Any]]:
    """The matched customers the caller may update (a seller's import: only their own), locked
    for the run."""
    if not ids:
        return {}
    access = ctx.access
    where = rows_for(access, "Customer", P.CUSTOMER_UPDATE, "c")
    if ctx.own_portfolio_only:
        where = and_(where, Sql("c.owner_id = %s", access.principal.user_id))
    rows = await fetch(
        Sql(f"SELECT {SELECT} FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", sorted(ids))
        + where
        + Sql(" ORDER BY c.id" + (" FOR UPDATE OF c" if lock else ""))
    )
    return {r["id"]: r for r in rows}


async def _tag_keys(ctx: ImportContext, ids: list[UUID]) -> dict[UUID, set[str]]:
    if not ids:
        return {}
    rows = await fetch(
        Sql(
            "SELECT ct.customer_id, t.name_key FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id "
            "WHERE ct.tenant_id = %s AND ct.customer_id = ANY(%s::uuid[])",
            ctx.tenant_id,
            ids,
        )
    )
    out: dict[UUID, set[str]] = {}
    for r in rows:
        out.setdefault(r["customer_id"], set()).add(r["name_key"])
    return out


def _changed(current: dict[str, Any], to_write: dict[str, Any], *, contact_hidden: bool) -> bool:
    """Whether writing ``to_write`` changes the customer. A contact column the caller may not see
    always counts as changed: telling SKIP from UPDATE would tell whether the hidden value equals
    the file's."""
    return any(
        col == "custom_fields"
        or (contact_hidden and col in CONTACT_COLUMNS)
        or _plain(current.get(col)) != _plain(value)
        for col, value in to_write.items()
    )


async def conflict(ctx: ImportContext, decision: Decision, held: dict[Key, set[UUID]], note: str | None = None) -> None:
    """Turn ``decision`` into a CONFLICT answered as duplicate blocking answers: the customer is
    named only when the caller may see it."""
    holders = sorted({h for k in decision.keys for h in held.get(k, set())})
    visible = await get_customers(ctx.access, holders)
    hits = [
        DuplicateHit(h, sorted({f for k, fs in decision.keys.items() if h in held.get(k, set()) for f in fs}),
                     visible.get(h))
        for h in holders
    ]  # fmt: skip
    message = str(DuplicateFound(hits, note))
    fields = sorted({f for hit in hits for f in hit.fields})
    decision.action = RowAction.CONFLICT
    decision.errors = _cell_errors(ctx, [FieldError(f, FieldErrorCode.TAKEN, message) for f in fields])
    decision.values = None
    shown = [h for h in hits if h.row is not None]
    decision.customer_id = shown[0].customer_id if len(shown) == 1 else None


async def decide(ctx: ImportContext, checked: CheckedBatch, seen: InFileKeys, *, lock: bool) -> list[Decision]:
    """Each row's action; for the run (``lock``) the customers to update are locked."""
    decisions = await screen(ctx, checked, seen)
    candidates = [d for d in decisions if d.action is RowAction.CREATE]
    exclusive = not ctx.access.principal.settings.allow_duplicates
    held = await _holders(ctx, candidates) if exclusive or ctx.mode is ImportMode.UPSERT else {}
    matched = {id(d): set().union(*(held.get(k, set()) for k in d.keys)) for d in candidates}
    single = {next(iter(m)) for m in matched.values() if len(m) == 1}
    upserting = ctx.mode is ImportMode.UPSERT
    updatable = await _updatable(ctx, single, lock) if upserting else {}
    tags_of = await _tag_keys(ctx, list(updatable)) if updatable else {}
    await seen.learn(Key("customer", str(c)) for c in updatable)
    for d in candidates:
        holders = matched[id(d)]
        assert d.cleaned is not None
        try:
            if not holders:
                d.values = new_customer_values(ctx.access, d.cleaned, d.owner)
                continue
            if len(holders) > 1:
                await conflict(ctx, d, held, "It matches several customers: merge them first.")
                continue
            target = next(iter(holders))
            if not upserting:
                await conflict(ctx, d, held)
                continue
            current = updatable.get(target)
            if current is None:
                await conflict(ctx, d, held, "You may not update the existing customer.")
                continue
            # Two rows with different contacts of one customer: the first one updates it.
            same = Key("customer", str(target))
            first = seen.get(same)
            if first is not None and first != d.row_number:
                d.action = RowAction.DUPLICATE_IN_FILE
                d.errors = _cell_errors(
                    ctx, [FieldError(f, FieldErrorCode.DUPLICATE, f"the same customer as row {first}")
                          for f in sorted({f for fs in d.keys.values() for f in fs})],
                )  # fmt: skip
                continue
            seen.add(same, d.row_number)
            changes = {k: v for k, v in d.cleaned.values.items() if k in current and k not in d.defaulted}
            if not ctx.own_portfolio_only:
                changes.update(d.owner)
            to_write = changes_to_write(ctx.access, current, changes, d.cleaned.custom, ctx.fields)
            new_tags = {tag_ops.tag_key(t) for t in d.tags} - tags_of.get(target, set())
            d.customer_id = target
            d.current = current
            d.changes = changes
            changed = _changed(current, to_write, contact_hidden=contact_hidden(ctx.access))
            d.action = RowAction.UPDATE if changed or new_tags else RowAction.SKIP
        except ValidationFailed as exc:
            d.action = RowAction.ERROR
            d.errors = _cell_errors(ctx, exc.errors)
            d.values = None
    await _refuse_status_changes(ctx, decisions)
    return decisions


async def _refuse_status_changes(ctx: ImportContext, decisions: list[Decision]) -> None:
    """A row may change a status only as setCustomerStatus would (permission, blockers)."""
    updates = {
        d.customer_id: (d.current["status"], d.changes["status"])
        for d in decisions
        if d.action is RowAction.UPDATE and d.customer_id and d.current and d.changes and "status" in d.changes
    }
    refused = await refused_status_changes(ctx.access, updates)
    for d in decisions:
        if d.action is RowAction.UPDATE and d.customer_id in refused:
            d.action = RowAction.ERROR
            d.errors = _cell_errors(ctx, [FieldError("status", FieldErrorCode.NOT_ALLOWED, refused[d.customer_id])])
