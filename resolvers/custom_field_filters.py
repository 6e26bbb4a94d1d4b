"""Conditions on custom values of a customer list's ``filter``, compiled to SQL on the row ``c``.

Custom field conditions compile per type. Equality, one-of, booleans and options become jsonb
containment (``c.custom_fields @> '{"key": value}'``, one-of an OR of them), which the GIN index
``customer_custom_fields_gin`` (jsonb_path_ops) answers; values are first made canonical by the
same validator writes use, so equal values are byte-equal in the index.

Ranges (``min``/``max`` on numbers, decimals and dates), ``contains`` on text and ``isEmpty``
cannot use that index: jsonb_path_ops hashes path-and-value pairs, so it knows neither order nor
key existence, and a jsonpath ``@?`` range is not indexable either. They are checked on the rows
the other conditions reach: the tenant's list index (which also yields the list's order, so a
page stops after ``first`` matches) or, when the filter also has a containment condition, the
GIN bitmap. Expression indexes per field would need DDL for every definition an admin creates,
so there are none; bench/custom_field_rename.py prints the plans and timings on 100,000
customers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from authz.masking import CONTACT_FIELD_TYPES
from models import CustomFieldType as T
from models.sql import FALSE, Sql, and_, or_
from resolvers.contact import digits
from resolvers.custom_values import FieldDef, InvalidValue, clean_value
from resolvers.errors import Errors, FieldErrorCode

TEXTUAL = frozenset({"equals", "oneOf", "contains", "isEmpty"})
ORDERED = frozenset({"equals", "oneOf", "min", "max", "isEmpty"})
OPERATORS: dict[T, frozenset[str]] = {
    T.TEXT: TEXTUAL,
    T.LONG_TEXT: TEXTUAL,
    T.URL: TEXTUAL,
    T.EMAIL: TEXTUAL,
    T.PHONE: TEXTUAL,
    T.SELECT: frozenset({"equals", "oneOf", "isEmpty"}),
    T.MULTI_SELECT: frozenset({"oneOf", "contains", "isEmpty"}),  # holds any of / holds this option
    T.NUMBER: ORDERED,
    T.DECIMAL: ORDERED,
    T.DATE: ORDERED,
    T.BOOLEAN: frozenset({"equals", "isEmpty"}),
}
MAX_ONE_OF = 100
_DECIMAL_TEXT = r"^-?[0-9]+(\.[0-9]+)?$"  # the canonical decimal form (see custom_values)


class _Refused(Exception):
    def __init__(self, code: FieldErrorCode, message: str) -> None:
        self.code = code
        super().__init__(message)


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _canonical(field: FieldDef, raw: Any, region: str) -> Any:
    try:
        value = clean_value(field, raw, region)
    except InvalidValue as exc:
        raise _Refused(exc.code, str(exc)) from None
    if value is None:
        raise _Refused(FieldErrorCode.INVALID, "compare with a value, or use isEmpty")
    return value


def _holds(field: FieldDef, value: Any, alias: str) -> Sql:
    return Sql(f"{alias}.custom_fields @> %s::jsonb", json.dumps({field.key: value}))


def _bound(field: FieldDef, op: str, value: Any, alias: str) -> Sql:
    """``min``/``max``, inclusive; values of another JSON type never match (no cast errors)."""
    sign = ">=" if op == "min" else "<="
    raw = f"({alias}.custom_fields ->> %s)"
    if field.type is T.DATE:  # ISO dates order as text, byte-wise
        return Sql(f'{raw} COLLATE "C" {sign} %s', field.key, value)
    if field.type is T.NUMBER:
        return Sql(
            f"(CASE WHEN jsonb_typeof({alias}.custom_fields -> %s) = 'number' THEN {raw}::numeric END) {sign} %s::numeric",
            field.key,
            field.key,
            Decimal(str(value)),
        )
    return Sql(
        f"(CASE WHEN {raw} ~ '{_DECIMAL_TEXT}' THEN {raw}::numeric END) {sign} %s::numeric",
        field.key,
        field.key,
        Decimal(value),
    )


def _contains(field: FieldDef, raw: Any, region: str, alias: str) -> Sql:
    if not isinstance(raw, str) or not raw.strip():
        raise _Refused(FieldErrorCode.INVALID, "contains needs some text")
    if field.type is T.MULTI_SELECT:
        return _holds(field, [_canonical(field, [raw], region)[0]], alias)
    term = digits(raw) if field.type is T.PHONE else raw.strip()
    if not term:
        raise _Refused(FieldErrorCode.INVALID, "contains needs some digits of the number")
    return Sql(f"({alias}.custom_fields ->> %s) ILIKE %s", field.key, _like(term))


def _operator(field: FieldDef, op: str, raw: Any, region: str, alias: str) -> Sql:
    if op == "isEmpty":
        if raw is None:
            raise _Refused(FieldErrorCode.INVALID, "isEmpty must be true or false")
        present = Sql(f"{alias}.custom_fields ? %s", field.key)
        return present.wrap("NOT (", ")") if raw else present
    if op == "equals":
        return _holds(field, _canonical(field, raw, region), alias)
    if op == "oneOf":
        if not raw:
            raise _Refused(FieldErrorCode.REQUIRED, "oneOf needs at least one value")
        if len(raw) > MAX_ONE_OF:
            raise _Refused(FieldErrorCode.TOO_MANY, f"oneOf takes at most {MAX_ONE_OF} values")
        if field.type is T.MULTI_SELECT:
            wanted = [[option] for option in _canonical(field, list(raw), region)]
        else:
            wanted = [_canonical(field, value, region) for value in raw]
        return or_(*(_holds(field, value, alias) for value in wanted)) if wanted else FALSE
    if op == "contains":
        return _contains(field, raw, region, alias)
    return _bound(field, op, _canonical(field, raw, region), alias)


def custom_field_conditions(
    conditions: list[dict[str, Any]],
    fields: dict[str, FieldDef],
    region: str,
    hidden: bool,
    alias: str = "c",
    ignored: list[str] | None = None,
) -> Sql:
    """All ``conditions`` ANDed (and within one condition, all its operators).

    Unknown or archived keys, operators the type has no use for, and contact fields when contact
    data is hidden from the caller (counts would reveal them) answer ValidationFailed. With an
    ``ignored`` list (a saved filter, checked when saved but applied later, by anyone it is shared
    with), a condition that would be refused now is left out whole and described there instead:
    its field was deleted or archived, its option removed, or it is not for this caller.
    """
    errors = Errors()
    parts: list[Sql] = []
    for condition in conditions:
        key = str(condition.get("key") or "")
        field = fields.get(key)
        if field is None or field.archived:
            if ignored is not None:
                ignored.append(f"the condition on custom field '{key}', which was deleted or archived")
                continue
            errors.add(f"filter.customFields.{key}", FieldErrorCode.UNKNOWN, "is not a custom field of this company")
            continue
        refused = Errors()
        found = _condition(condition, field, region, hidden, alias, refused)
        if not refused.items:
            parts.extend(found)
        elif ignored is not None:
            ignored.append(f"the condition on custom field '{key}': {'; '.join(e.message for e in refused.items)}")
        else:
            errors.items.extend(refused.items)
    errors.raise_if_any()
    return and_(*parts)


def _condition(
    condition: dict[str, Any], field: FieldDef, region: str, hidden: bool, alias: str, errors: Errors
) -> list[Sql]:
    """The SQL of each operator of one condition; what is refused goes to ``errors``."""
    path = f"filter.customFields.{field.key}"
    if hidden and field.type in CONTACT_FIELD_TYPES:
        errors.add(path, FieldErrorCode.NOT_ALLOWED, "holds contact data, which is hidden from you")
        return []
    ops = [op for op in condition if op != "key"]
    if not ops:
        errors.add(path, FieldErrorCode.REQUIRED, "give an operator: " + ", ".join(sorted(OPERATORS[field.type])))
    parts = []
    for op in ops:
        if op not in OPERATORS[field.type]:
            allowed = ", ".join(sorted(OPERATORS[field.type]))
            errors.add(
                path, FieldErrorCode.NOT_ALLOWED, f"{op} does not apply to a {field.type.value} field ({allowed})"
            )
            continue
        try:
            parts.append(_operator(field, op, condition[op], region, alias))
        except _Refused as exc:
            errors.add(path, exc.code, f"{op}: {exc}")
    return parts
