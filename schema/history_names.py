"""A history entry in the API's own words, derived from the Customer descriptor.

Entries are stored as the tables spell them (columns, raw ids, enum values as stored) so that an
old entry stays readable when the API is renamed; they are shown as the API spells them: field
names (``tradeName``, ``address.city``, ``customFields.<key>``, ``owner``), Relay global ids and
enum values by name (``ACTIVE``, ``WHATSAPP``). Masking is decided before this, in
``resolvers.history.present``; this only renames and re-spells what it lets through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from models.customers import CUSTOMER
from models.descriptors import Column, ToOne
from resolvers import history
from schema.node import to_global_id

# Columns that name a row of another type without being a to-one field of the type (the API
# chooses a billing parent when merging, but shows none): their API name and the type named.
REFERENCES: dict[str, tuple[str, str]] = {history.CUSTOMER_COLUMN: ("billingParent", "Customer")}
CUSTOM = "customFields."


def _references() -> dict[str, tuple[str, str]]:
    found = {r.column: (r.api, r.target) for r in CUSTOMER.relations if isinstance(r, ToOne)}
    return {**REFERENCES, **found}


REFERS_TO = _references()
COLUMNS: dict[str, Column] = {c.sql: c for c in CUSTOMER.columns}


def global_id(type_name: str, value: Any) -> Any:
    """``value`` as a global id of ``type_name`` when it is an id; anything else as it is."""
    pk = history.as_uuid(value)
    return value if pk is None else to_global_id(type_name, pk)


def field_name(field: str) -> str:
    """The API name of a column (or ``custom_fields.<key>``) that a change names."""
    if field.startswith(history.CUSTOM_SOURCE):
        return CUSTOM + field.removeprefix(history.CUSTOM_SOURCE)
    if field in REFERS_TO:
        return REFERS_TO[field][0]
    return CUSTOMER.api_name_of.get(field, field)


# References shown as ``{id, name}``: the named row's current name, as the caller may see that
# row (the rule of its type: User, Customer), else null. Both read paths look the names up when
# the entry is read. (A billing parent the caller may not read is withheld before this.)
NAMED = frozenset({"owner_id", history.CUSTOMER_COLUMN})


def named_ids(changes: Any, type_name: str) -> set[UUID]:
    """The ids of NAMED references to ``type_name`` among ``changes`` (``resolvers.history.Change``s)."""
    found = (
        history.as_uuid(v)
        for c in changes
        if c.field in NAMED and REFERS_TO[c.field][1] == type_name
        for v in (c.before, c.after)
    )
    return {pk for pk in found if pk is not None}


def field_value(field: str, value: Any, names: Mapping[UUID, str | None] | None = None) -> Any:
    """A value of the column ``field`` as the API shows it: ids global (the owner as ``{id,
    name}``, its name from ``names``), enums by name."""
    if value is None:
        return None
    if field in NAMED and (pk := history.as_uuid(value)) is not None:
        return {"id": global_id(REFERS_TO[field][1], value), "name": (names or {}).get(pk)}
    if field in REFERS_TO:
        return global_id(REFERS_TO[field][1], value)
    column = COLUMNS.get(field)
    if column is not None and column.enum is not None:
        try:
            return column.enum(value).name
        except ValueError:
            return value
    return value


class Render(StrEnum):
    """How a value of an entry's details is shown."""

    ID = "id"  # a global id of the type named
    IDS = "ids"  # a list of them
    REF = "ref"  # {"id", "name"}: its id a global id
    REFS = "refs"  # a list of them
    MOVED = "moved"  # {kind: count} as [{"kind", "count"}], by kind (as Merge.movedRecords)
    CUSTOM_KEY = "custom_key"  # a custom field's key, as customFields.<key>


@dataclass(frozen=True)
class DetailRule:
    render: Render
    type_name: str = ""
    kind: history.EventKind | None = None  # only on entries of this kind


# Keys of an entry's details that are rendered, read by ``details`` here and by the compiled
# read path (schema/compile/history.py). Any other value is shown as stored.
DETAILS: dict[str, DetailRule] = {
    "merge_id": DetailRule(Render.ID, "Merge"),
    "duplicates": DetailRule(Render.REFS, "Customer"),
    "primary": DetailRule(Render.REF, "Customer"),
    "primary_id": DetailRule(Render.ID, "Customer"),
    "duplicate_ids": DetailRule(Render.IDS, "Customer"),
    "added": DetailRule(Render.REFS, "Team", history.EventKind.TEAMS_CHANGED),
    "removed": DetailRule(Render.REFS, "Team", history.EventKind.TEAMS_CHANGED),
    "moved": DetailRule(Render.MOVED),
    "field": DetailRule(Render.CUSTOM_KEY),
    "import": DetailRule(Render.REF, "Import"),  # {"number", "id"}: the import a change came from
}


def detail_rule(kind: str, key: str) -> DetailRule | None:
    rule = DETAILS.get(key)
    return None if rule is None or (rule.kind is not None and rule.kind != kind) else rule


def _ref(type_name: str, ref: Any) -> Any:
    """``{"id", "name"}`` of a row an entry names, with its global id."""
    if not isinstance(ref, dict):
        return ref
    return {**ref, "id": global_id(type_name, ref.get("id"))}


def render(rule: DetailRule, value: Any) -> Any:
    if rule.render is Render.ID:
        return global_id(rule.type_name, value)
    if rule.render is Render.REF:
        return _ref(rule.type_name, value)
    if rule.render is Render.CUSTOM_KEY:
        return CUSTOM + value if isinstance(value, str) else value
    if rule.render is Render.MOVED:
        return [{"kind": k, "count": n} for k, n in sorted(value.items())] if isinstance(value, dict) else value
    if not isinstance(value, list):
        return value
    if rule.render is Render.IDS:
        return [global_id(rule.type_name, v) for v in value]
    return [_ref(rule.type_name, v) for v in value]


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def details(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """An entry's kind-specific facts, keys in camelCase and every id a global id."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        rule = detail_rule(kind, key)
        out[camel(key)] = value if rule is None else render(rule, value)
    return out
