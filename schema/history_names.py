"""A history entry in the API's own words, derived from the Customer descriptor.

Entries are stored as the tables spell them (columns, raw ids, enum values as stored) so that an
old entry stays readable when the API is renamed; they are shown as the API spells them: field
names (``tradeName``, ``address.city``, ``customFields.<key>``, ``owner``), Relay global ids and
enum values by name (``ACTIVE``, ``WHATSAPP``). Masking is decided before this, in
``resolvers.history.present``; this only renames and re-spells what it lets through.
"""

from __future__ import annotations

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


_REFERS = _references()
_COLUMNS: dict[str, Column] = {c.sql: c for c in CUSTOMER.columns}


def global_id(type_name: str, value: Any) -> Any:
    """``value`` as a global id of ``type_name`` when it is a UUID; anything else as it is."""
    if value is None:
        return None
    try:
        return to_global_id(type_name, UUID(str(value)))
    except ValueError:
        return value


def field_name(field: str) -> str:
    """The API name of a column (or ``custom_fields.<key>``) that a change names."""
    if field.startswith(history.CUSTOM_SOURCE):
        return CUSTOM + field.removeprefix(history.CUSTOM_SOURCE)
    if field in _REFERS:
        return _REFERS[field][0]
    return CUSTOMER.api_name_of.get(field, field)


def field_value(field: str, value: Any) -> Any:
    """A value of the column ``field`` as the API shows it: ids global, enums by name."""
    if value is None:
        return None
    if field in _REFERS:
        return global_id(_REFERS[field][1], value)
    column = _COLUMNS.get(field)
    if column is not None and column.enum is not None:
        try:
            return column.enum(value).name
        except ValueError:
            return value
    return value


def _customer(ref: Any) -> Any:
    """``{"id", "name"}`` of a customer an entry names, with its global id."""
    if not isinstance(ref, dict):
        return ref
    return {**ref, "id": global_id("Customer", ref.get("id"))}


def _team(ref: Any) -> Any:
    if not isinstance(ref, dict):
        return ref
    return {**ref, "id": global_id("Team", ref.get("id"))}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def details(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """An entry's kind-specific facts, keys in camelCase and every id a global id."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "merge_id":
            value = global_id("Merge", value)
        elif key == "duplicates" and isinstance(value, list):
            value = [_customer(d) for d in value]
        elif key == "primary":
            value = _customer(value)
        elif key == "primary_id":
            value = global_id("Customer", value)
        elif key == "duplicate_ids" and isinstance(value, list):
            value = [global_id("Customer", d) for d in value]
        elif key in ("added", "removed") and kind == history.EventKind.TEAMS_CHANGED and isinstance(value, list):
            value = [_team(t) for t in value]
        elif key == "moved" and isinstance(value, dict):
            # Spelled as Merge.movedRecords spells the kinds of record a merge moved.
            value = [{"kind": k, "count": n} for k, n in sorted(value.items())]
        elif key == "import" and isinstance(value, dict):  # the import a change came from
            value = {"number": value.get("number"), "id": global_id("Import", value.get("id"))}
        elif key == "field" and isinstance(value, str):  # a custom field's key
            value = CUSTOM + value
        out[_camel(key)] = value
    return out
