"""A customer's history: every change made through the API, with who and when.

An entry outlives the rules that applied when it was written: a custom field may be deleted (or
its key re-created with another type) and a merge undone. So an entry records what masking needs,
as it was at the time (``custom_types``: the type of every custom field it names; ``sources``: the
customer each value a merge took came from), and ``present`` masks it when it is read, by the
live rules and the caller's scope at that moment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.masking import CONTACT_COLUMNS, custom_value_hidden
from authz.rows import visible_rows
from models import CustomFieldType
from models.db import execute, fetch, fetchval
from models.sql import Sql


class EventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    TAGS_CHANGED = "tags_changed"
    TRANSFERRED = "transferred"
    REMOVED_FROM_PORTFOLIO = "removed_from_portfolio"
    TEAMS_CHANGED = "teams_changed"
    MERGED = "merged"  # on the primary: others were merged into it
    MERGED_INTO = "merged_into"  # on a duplicate: it became a tombstone
    MERGE_UNDONE = "merge_undone"  # on the primary and on each restored duplicate
    CUSTOM_OPTION_RENAMED = "custom_option_renamed"  # an option the customer held was renamed
    CUSTOM_FIELD_DELETED = "custom_field_deleted"  # a field the customer had a value in was deleted
    IMPORT_REVERTED = "import_reverted"  # an import's update of the customer was undone


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, default=_plain, separators=(",", ":"), ensure_ascii=False)


def diff(before: dict[str, Any], after: dict[str, Any], columns: list[str]) -> dict[str, list[Any]]:
    """{column: [before, after]} for the columns whose value changed."""
    return {
        col: [_plain(before.get(col)), _plain(after.get(col))]
        for col in columns
        if _plain(before.get(col)) != _plain(after.get(col))
    }


# Keys of an entry's data that describe it for masking; never shown as details.
CUSTOM_TYPES = "custom_types"  # {custom field key: its type when the entry was written}
SOURCES = "sources"  # MERGED: {column, or custom_fields.<key>: the duplicate the value came from}
FIELD_TYPE = "type"  # CUSTOM_FIELD_DELETED: the deleted field's type (option renames concern selects only)
CHANGE_KEYS = ("changes", "fields")
CUSTOMER_COLUMN = "billing_parent_id"  # a change whose values name another customer
CUSTOM_SOURCE = "custom_fields."


def _custom_keys(data: dict[str, Any]) -> list[str]:
    """The custom field keys whose values an entry's changes carry."""
    keys: set[str] = set()
    for key in CHANGE_KEYS:
        pair = (data.get(key) or {}).get("custom_fields")
        if pair:
            keys.update(k for side in pair if isinstance(side, dict) for k in side)
    return sorted(keys)


def _with_types(tenant_id: UUID, data: dict[str, Any]) -> Sql:
    """The entry's data as jsonb, with the current type of each custom field it names."""
    keys = _custom_keys(data)
    if not keys:
        return Sql("%s::jsonb", to_json(data))
    return Sql(
        "%s::jsonb || jsonb_build_object('custom_types', (SELECT coalesce(jsonb_object_agg(f.key, f.type), "
        "'{}'::jsonb) FROM custom_field f WHERE f.tenant_id = %s AND f.key = ANY(%s::text[])))",
        to_json(data),
        tenant_id,
        keys,
    )


async def record(
    access: Access, customer_ids: list[UUID] | UUID, kind: EventKind, data: dict[str, Any] | None = None
) -> None:
    """Append one entry per customer, in one statement, inside the caller's transaction."""
    ids = customer_ids if isinstance(customer_ids, list) else [customer_ids]
    if not ids:
        return
    p = access.principal
    await execute(
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, actor_id, actor_api_key_id, actor_name, data) "
            "SELECT %s, cid, %s, %s, %s, %s, ",
            p.tenant_id,
            kind.value,
            p.user_id,
            p.api_key_id,
            p.name,
        )
        + _with_types(p.tenant_id, data or {})
        + Sql(" FROM unnest(%s::uuid[]) AS cid", ids)
    )


def insert_events(access: Access, kind: EventKind, source: str, data: Sql) -> Sql:
    """``INSERT ... SELECT`` of one entry per row of ``source`` (aliased ``s``, with ``customer_id``),
    for bulk changes made in one statement: ``data`` is a jsonb expression evaluated per row.
    Use it inside a data-modifying ``WITH`` so the change and its history are one statement."""
    p = access.principal
    return (
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, actor_id, actor_api_key_id, actor_name, data) "
            "SELECT %s, s.customer_id, %s, %s, %s, %s, ",
            p.tenant_id,
            kind.value,
            p.user_id,
            p.api_key_id,
            p.name,
        )
        + data
        + Sql(f" FROM {source} s")
    )


# --- reading ------------------------------------------------------------------------------

# Custom field types whose values are not contact data; an unknown or unrecorded type counts as contact.
_PLAIN_TYPES = [t.value for t in CustomFieldType if not custom_value_hidden(t, True)]


def wholly_withheld(alias: str) -> Sql:
    """The entries (table ``customer_event`` as ``alias``) left out altogether for a caller from
    whom contact data is hidden: an edit whose every change is contact data, and the deletion of a
    contact-type custom field (written only on the customers that held a value). Even shown empty,
    such an entry would tell that a hidden value was set, changed or cleared. ``present`` drops the
    same changes one by one; this is the whole-entry case, in SQL so pages and counts agree."""
    a = alias
    side = "CASE WHEN jsonb_typeof(c.value->{i}) = 'object' THEN c.value->{i} ELSE '{{}}'::jsonb END"
    plain_custom = (
        f"EXISTS (SELECT 1 FROM jsonb_object_keys({side.format(i=0)} || {side.format(i=1)}) k "
        f"WHERE nullif(c.value->0->k, 'null'::jsonb) IS DISTINCT FROM nullif(c.value->1->k, 'null'::jsonb) "
        f"AND coalesce({a}.data->'{CUSTOM_TYPES}'->>k, '') = ANY(%s::text[]))"
    )
    return Sql(
        f"(({a}.kind = %s AND {a}.data ? 'removed' AND NOT coalesce({a}.data->>'{FIELD_TYPE}', '') = ANY(%s::text[])) "
        f"OR ({a}.kind = %s AND jsonb_typeof({a}.data->'changes') = 'object' AND NOT EXISTS ("
        f"SELECT 1 FROM jsonb_each({a}.data->'changes') c WHERE NOT c.key = ANY(%s::text[]) "
        f"AND (c.key <> 'custom_fields' OR {plain_custom}))))",
        EventKind.CUSTOM_FIELD_DELETED.value,
        _PLAIN_TYPES,
        EventKind.UPDATED.value,
        list(CONTACT_COLUMNS),
        _PLAIN_TYPES,
    )


def others(kind: str, data: dict[str, Any]) -> set[UUID]:
    """The customers other than its own that an entry names (merges name the other side)."""
    named: list[Any] = []
    if kind == EventKind.MERGED:
        named += [d.get("id") for d in data.get("duplicates") or []]
        named += list((data.get(SOURCES) or {}).values())
    elif kind == EventKind.MERGED_INTO:
        named.append((data.get("primary") or {}).get("id"))
    elif kind == EventKind.MERGE_UNDONE:
        named += [data.get("primary_id"), *(data.get("duplicate_ids") or [])]
    for key in CHANGE_KEYS:
        named += list((data.get(key) or {}).get(CUSTOMER_COLUMN) or ())
    out = set()
    for value in named:
        try:
            out.add(UUID(str(value)))
        except ValueError:
            continue
    return out


async def wholly_withheld_entry(tenant_id: UUID, pk: UUID) -> bool:
    """Whether entry ``pk`` is one ``wholly_withheld`` leaves out (for ``node(id)``)."""
    found = await fetchval(
        Sql("SELECT EXISTS (SELECT 1 FROM customer_event e WHERE e.id = %s AND e.tenant_id = %s AND ", pk, tenant_id)
        + wholly_withheld("e")
        + Sql(")")
    )
    return bool(found)


async def readable_customers(access: Access, ids: set[UUID]) -> set[UUID]:
    """The customers among ``ids`` the caller may read now. A merged-away customer is judged as
    the customer it was merged into: while the merge stands, its data is part of that one."""
    if not ids or not access.can(P.CUSTOMER_READ):
        return set()
    rows = await fetch(
        Sql(
            "SELECT o.id FROM customer o JOIN customer c ON c.tenant_id = o.tenant_id "
            "AND c.id = coalesce(o.merged_into_id, o.id) WHERE o.tenant_id = %s AND o.id = ANY(%s::uuid[]) AND ",
            access.principal.tenant_id,
            list(ids),
        )
        + visible_rows(access, "Customer", "c")
    )
    return {r["id"] for r in rows}


@dataclass(frozen=True)
class Change:
    field: str  # column, or custom_fields.<key>
    before: Any
    after: Any


@dataclass(frozen=True)
class Presented:
    changes: list[Change]
    details: dict[str, Any]


def _readable(value: Any, readable: set[UUID]) -> bool:
    try:
        return UUID(str(value)) in readable
    except ValueError:
        return False


def _custom_hidden(field_type: Any, contact_hidden: bool) -> bool:
    """A custom value is contact data if its field was of a contact type when the entry was
    written; an entry that does not say (written before types were recorded) is taken as contact."""
    try:
        kind = CustomFieldType(field_type)
    except ValueError:
        return contact_hidden
    return custom_value_hidden(kind, contact_hidden)


def present(kind: str, data: dict[str, Any], *, contact_hidden: bool, readable: set[UUID]) -> Presented:
    """An entry as this caller may see it: contact values judged by the entry's own record of what
    was contact data, and the other customer of a merge shown only when ``readable`` holds it.

    A change whose values are withheld is left out, not shown blank: "the phone was changed" would
    tell that a hidden phone is (or was) there, and which values a merge took from a customer the
    caller may not see."""
    data = dict(data or {})
    types = data.pop(CUSTOM_TYPES, None) or {}
    sources = data.pop(SOURCES, None)
    field_type = data.pop(FIELD_TYPE, None)
    duplicates = data.get("duplicates") or []

    def from_hidden_customer(field: str) -> bool:
        if kind != EventKind.MERGED:
            return False
        if sources is None:  # written before sources were recorded: any duplicate may be the source
            return not all(_readable(d.get("id"), readable) for d in duplicates)
        source = sources.get(field)
        return source is not None and not _readable(source, readable)

    changes: list[Change] = []
    for key in CHANGE_KEYS:
        for column, (before, after) in (data.pop(key, None) or {}).items():
            if column == "custom_fields":
                for custom_key in sorted((before or {}).keys() | (after or {}).keys()):
                    old, new = (before or {}).get(custom_key), (after or {}).get(custom_key)
                    if old == new:
                        continue
                    field = CUSTOM_SOURCE + custom_key
                    if not (_custom_hidden(types.get(custom_key), contact_hidden) or from_hidden_customer(field)):
                        changes.append(Change(field, old, new))
                continue
            withheld = (contact_hidden and column in CONTACT_COLUMNS) or from_hidden_customer(column)
            if column == CUSTOMER_COLUMN:  # the value is itself a customer
                withheld = withheld or any(v is not None and not _readable(v, readable) for v in (before, after))
            if not withheld:
                changes.append(Change(column, before, after))

    if kind == EventKind.CUSTOM_FIELD_DELETED and "removed" in data:
        removed = data.pop("removed")
        if not _custom_hidden(field_type, contact_hidden):
            changes.append(Change(CUSTOM_SOURCE + str(data.get("field")), removed, None))
    elif kind == EventKind.MERGED:
        data["duplicates"] = [d for d in duplicates if _readable(d.get("id"), readable)]
    elif kind == EventKind.MERGED_INTO:
        if not _readable((data.get("primary") or {}).get("id"), readable):
            data["primary"] = None
    elif kind == EventKind.MERGE_UNDONE:
        if not _readable(data.get("primary_id"), readable):
            data["primary_id"] = None
        data["duplicate_ids"] = [d for d in data.get("duplicate_ids") or [] if _readable(d, readable)]
    return Presented(changes, data)
