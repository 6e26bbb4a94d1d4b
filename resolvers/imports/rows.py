"""A row of the file as the input createCustomer/updateCustomer take: the file is text, the
API's input is typed, and this is the only translation between the two. Checking the input is
not done here: every row goes through ``resolvers.customers.check_input`` like any write."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from models import CustomFieldType
from resolvers.custom_values import FieldDef, path
from resolvers.imports.mapping import ADDRESS_PARTS, ColumnTarget, TargetKind, fold_header, split_tags

# Yes and no as spreadsheets write them in pt, es and en (compared as headers are: no accents, case or punctuation).
_TRUE = frozenset({"1", "true", "t", "yes", "y", "sim", "s", "si", "x", "verdadeiro", "verdadero", "v"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "nao", "falso"})
_BR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True, slots=True)
class RowInput:
    data: dict[str, Any]  # the customer input, in the API's shape
    owner_email: str | None  # the owner column's cell, resolved to a seller by the caller


def _custom(field: FieldDef | None, text: str) -> Any:
    """A cell as the custom field's input takes it (still to be checked by ``clean_value``)."""
    if field is None:
        return text
    if field.type is CustomFieldType.BOOLEAN:
        word = fold_header(text)
        return True if word in _TRUE else False if word in _FALSE else text
    if field.type is CustomFieldType.MULTI_SELECT:
        return split_tags(text)
    if field.type is CustomFieldType.DATE and (m := _BR_DATE.match(text.strip())):
        day, month, year = (int(g) for g in m.groups())
        try:  # dd/mm/yyyy, as spreadsheets in Brazil write dates
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    return text


def row_input(targets: list[ColumnTarget | None], cells: list[str], fields: dict[str, FieldDef]) -> RowInput:
    """The input a row gives. An empty cell gives nothing (an update leaves that field alone)."""
    data: dict[str, Any] = {}
    tags: list[str] = []
    custom: list[dict[str, Any]] = []
    owner: str | None = None
    for target, cell in zip(targets, cells, strict=False):
        text = (cell or "").strip()
        if target is None or not text:
            continue
        kind = target.kind
        if kind is TargetKind.FIELD and target.field:
            if target.field in ADDRESS_PARTS:
                data.setdefault("address", {})[target.field] = text
            else:
                data[target.field] = text
        elif kind is TargetKind.TAGS:
            tags.extend(split_tags(text))
        elif kind is TargetKind.CUSTOM_FIELD and target.field:
            custom.append({"key": target.field, "value": _custom(fields.get(target.field), text)})
        elif kind is TargetKind.OWNER:
            owner = text
    if tags:
        data["tags"] = tags
    if custom:
        data["customFields"] = custom
    return RowInput(data, owner)


def column_of(targets: list[ColumnTarget | None], headers: list[str], field: str) -> str | None:
    """The header of the column an input field (as errors name it) came from, if any."""
    for target, header in zip(targets, headers, strict=False):
        if target is None:
            continue
        if target.kind is TargetKind.FIELD and field in (target.field, f"address.{target.field}"):
            return header
        if target.kind is TargetKind.CUSTOM_FIELD and target.field and path(target.field) == field:
            return header
        if target.kind is TargetKind.TAGS and (field == "tags" or field.startswith("tags[")):
            return header
        if target.kind is TargetKind.OWNER and field == "owner":
            return header
    return None
