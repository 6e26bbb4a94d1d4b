"""A row of the export as cells: typed values per column (``row_cells``), and the shape of one
JSON object (``row_object``), whose keys are the GraphQL field names of Customer."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from authz.masking import custom_value_hidden
from models import CustomerStatus, CustomFieldType, OriginChannel
from resolvers.exports.columns import ExportColumn, sql_name

Cell = str | int | float | bool | date | datetime | Decimal | None
Getter = Callable[[Any], Sequence[Cell]]

# Status as the import reads it back (resolvers/imports/decide.py).
_STATUS = {CustomerStatus.ACTIVE.value: "ativo", CustomerStatus.INACTIVE.value: "inativo"}


def global_id(type_name: str, pk: Any) -> str:
    """The Relay global id, as the API shows it (schema/node.py)."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _custom(field_key: str, kind: CustomFieldType) -> Getter:
    def cell(row: Any) -> Sequence[Cell]:
        values = row["custom_fields"]
        value = values.get(field_key) if values else None
        if value is None:
            return (None,)
        if kind is CustomFieldType.DECIMAL:
            return (Decimal(value),)
        if kind is CustomFieldType.DATE:
            return (date.fromisoformat(value),)
        if kind is CustomFieldType.MULTI_SELECT:
            return (";".join(value),)
        return (value,)

    return cell


def _getter(column: ExportColumn) -> Getter:
    if column.field is not None:
        return _custom(column.field.key, column.field.type)
    if column.kind == "id":
        return lambda row: (global_id("Customer", row["id"]),)
    if column.kind == "owner":
        return lambda row: (row["owner"][0], row["owner"][1]) if row["owner"] else (None, None)
    if column.kind in ("tags", "teams"):
        key = column.kind
        return lambda row: (";".join(row[key]),)
    sql = sql_name(column)
    if column.name == "status":
        return lambda row: (_STATUS.get(row["status"], row["status"]),)
    return lambda row: (row[sql],)


def row_cells(columns: Sequence[ExportColumn]) -> Callable[[Any], list[Cell]]:
    """The function turning a row into its cells, one per header, in order."""
    getters = [_getter(c) for c in columns]

    def cells(row: Any) -> list[Cell]:
        out: list[Cell] = []
        for get in getters:
            out.extend(get(row))
        return out

    return cells


# --- JSON: the GraphQL shape ------------------------------------------------------------------


def _named(type_name: str, names: list[str], ids: list[Any]) -> list[dict[str, Any]]:
    return [{"id": global_id(type_name, pk), "name": name} for pk, name in zip(ids, names, strict=True)]


Step = Callable[[Any, dict[str, Any]], None]


def _put(name: str, value_of: Callable[[Any], Any]) -> Step:
    def step(row: Any, out: dict[str, Any]) -> None:
        out[name] = value_of(row)

    return step


def _put_address(part: str, sql: str) -> Step:
    def step(row: Any, out: dict[str, Any]) -> None:
        out.setdefault("address", {})[part] = row[sql]

    return step


def _column(sql: str, shown: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda row: shown(row[sql])


def row_object(columns: Sequence[ExportColumn], hidden: bool) -> Callable[[Any], dict[str, Any]]:
    """The function turning a row into one JSON object, as ``customers { ... }`` answers it: enums
    by NAME, times in ISO 8601, ``address`` nested, tags and teams as ``{id, name}``, the owner
    as ``{id, name, email}``, ``customFields`` as ``[{key, label, type, value, hidden}]`` (a value
    withheld from the caller listed with ``value: null, hidden: true``), ``contactHidden``."""
    plan: list[Step] = []
    custom: list[ExportColumn] = []
    for column in columns:
        name, sql = column.name, sql_name(column) or ""
        if column.field is not None:
            custom.append(column)
        elif column.kind == "id":
            plan.append(_put("id", lambda row: global_id("Customer", row["id"])))
        elif name.startswith("address."):
            plan.append(_put_address(name.removeprefix("address."), sql))
        elif name == "status":
            plan.append(_put("status", lambda row: CustomerStatus(row["status"]).name))
        elif name == "originChannel":
            plan.append(_put("originChannel", lambda row: _channel(row["origin_channel"])))
        elif column.kind == "datetime":
            plan.append(_put(name, _column(sql, _iso)))
        elif column.kind == "owner":
            plan.append(_put("owner", lambda row: _owner(row["owner"])))
        elif column.kind == "tags":
            plan.append(_put("tags", lambda row: _named("Tag", row["tags"], row["tags_ids"])))
        elif column.kind == "teams":
            plan.append(_put("teams", lambda row: _named("Team", row["teams"], row["teams_ids"])))
        else:
            plan.append(_put(name, _column(sql, lambda value: value)))

    def build(row: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for step in plan:
            step(row, out)
        if custom:
            out["customFields"] = _custom_values(custom, row["custom_fields"] or {}, hidden)
        out["contactHidden"] = hidden
        return out

    return build


def _custom_values(columns: list[ExportColumn], values: dict[str, Any], hidden: bool) -> list[dict[str, Any]]:
    """As Customer.customFields lists them (schema/custom_values.py): a withheld field is listed
    whether or not the customer has a value, so its presence reveals nothing."""
    out = []
    for column in columns:
        field = column.field
        assert field is not None
        masked = custom_value_hidden(field.type, hidden)
        value = None if masked else values.get(field.key)
        if value is None and not masked:
            continue
        out.append({"key": field.key, "label": field.label, "type": field.type.name, "value": value, "hidden": masked})
    return out


def _channel(value: str) -> str:
    try:
        return OriginChannel(value).name
    except ValueError:
        return value.upper()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _owner(owner: list[str] | None) -> dict[str, Any] | None:
    if not owner:
        return None
    email, name, pk = owner
    return {"id": global_id("User", pk), "name": name, "email": email}
