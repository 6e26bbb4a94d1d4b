"""Custom field values: one validator for every write path (create, update, onDuplicate, merge,
and imports later), and the canonical JSON form values are stored and compared in.

Canonical forms keep equal values byte-equal in ``customer.custom_fields``, so a filter can look
them up with jsonb containment (and its GIN index): numbers as JSON numbers, decimals as strings
without exponent or trailing zeros, dates as ``YYYY-MM-DD``, select options in the spelling of the
definition, multi-selects as lists sorted by code point, emails lower-cased, phones in E.164.
Cleaning a canonical value gives it back unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Context, Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from models import CustomFieldType
from resolvers.contact import InvalidContact, normalize_email, normalize_phone
from resolvers.customer_fields import EMAIL_MAX, RAW_CONTACT_MAX
from resolvers.errors import Errors, FieldErrorCode
from resolvers.text import fold

SELECT_TYPES = frozenset({CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT})


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A custom field definition, as read from ``custom_field``."""

    id: UUID
    key: str
    label: str
    type: CustomFieldType
    options: tuple[str, ...]
    required: bool
    position: int
    archived: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FieldDef:
        return cls(
            id=row["id"],
            key=row["key"],
            label=row["label"],
            type=CustomFieldType(row["type"]),
            options=tuple(row["options"] or ()),
            required=row["required"],
            position=row["position"],
            archived=row["archived"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    def option(self, text: str) -> str | None:
        """The option ``text`` names (compared folded: case and accents aside), in its own spelling."""
        return _options_by_key(self.options).get(option_key(text))


@lru_cache(maxsize=256)
def _options_by_key(options: tuple[str, ...]) -> dict[str, str]:
    """Options by key, the first spelling winning; built once per list (an import asks per row)."""
    index: dict[str, str] = {}
    for o in options:
        index.setdefault(option_key(o), o)
    return index


def option_key(text: str) -> str:
    """Two options whose keys are equal are the same option ("Gold" and " gold ")."""
    return fold(text)


class InvalidValue(ValueError):
    def __init__(self, code: FieldErrorCode, message: str) -> None:
        self.code = code
        super().__init__(message)


TEXT_MAX = 500
LONG_TEXT_MAX = 10_000
URL_MAX = 2_000
NUMBER_LIMIT = 10**15  # beyond it JSON numbers stop being exact in many clients
DECIMAL_DIGITS = 38
_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _string(raw: Any, what: str = "text") -> str:
    if not isinstance(raw, str):
        raise InvalidValue(FieldErrorCode.INVALID, f"must be {what}")
    return raw


def _limited(text: str, limit: int) -> str:
    if len(text) > limit:
        raise InvalidValue(FieldErrorCode.TOO_LONG, f"must be at most {limit} characters")
    return text


def _number(raw: Any) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidValue(FieldErrorCode.INVALID, "must be a number")
    if isinstance(raw, str):
        if not _NUMERIC.match(raw.strip()):
            raise InvalidValue(FieldErrorCode.INVALID, "must be a number")
        raw = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise InvalidValue(FieldErrorCode.INVALID, "must be a finite number")
        if raw.is_integer():
            raw = int(raw)
    if abs(raw) > NUMBER_LIMIT:
        raise InvalidValue(FieldErrorCode.INVALID, f"must be between -{NUMBER_LIMIT} and {NUMBER_LIMIT}")
    return raw


def _decimal(raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str) or not _NUMERIC.match(str(raw).strip()):
        raise InvalidValue(FieldErrorCode.INVALID, 'must be a decimal number, e.g. "1234.56"')
    number = Decimal(str(raw).strip())
    if len(number.as_tuple().digits) > DECIMAL_DIGITS or abs(number.adjusted()) > DECIMAL_DIGITS:
        raise InvalidValue(FieldErrorCode.INVALID, f"must have at most {DECIMAL_DIGITS} digits")
    # An explicit precision: the default context (28 digits) would round while normalizing.
    text = format(number.normalize(Context(prec=DECIMAL_DIGITS)), "f")
    return "0" if text == "-0" else text


def _date(raw: Any) -> str:
    text = _string(raw, "a date (YYYY-MM-DD)").strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidValue(FieldErrorCode.INVALID, "must be a date (YYYY-MM-DD)") from None


def _url(raw: Any) -> str:
    text = _limited(_string(raw, "a URL").strip(), URL_MAX)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise InvalidValue(FieldErrorCode.INVALID, "must be an http(s) URL, e.g. https://example.com")
    return text


def _option(field: FieldDef, raw: Any) -> str:
    option = field.option(_string(raw, "one of the field's options"))
    if option is None:
        raise InvalidValue(
            FieldErrorCode.UNKNOWN_OPTION, f"'{raw}' is not an option (one of: {', '.join(field.options)})"
        )
    return option


def clean_value(field: FieldDef, raw: Any, region: str) -> Any:
    """The canonical form of ``raw`` for ``field``, or None when it is empty (the value is cleared).

    Raises InvalidValue with the code and message for the field error.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    kind = field.type
    if kind is CustomFieldType.TEXT:
        return _limited(" ".join(_string(raw).split()), TEXT_MAX)
    if kind is CustomFieldType.LONG_TEXT:
        return _limited(_string(raw).replace("\r\n", "\n").strip(), LONG_TEXT_MAX)
    if kind is CustomFieldType.NUMBER:
        return _number(raw)
    if kind is CustomFieldType.DECIMAL:
        return _decimal(raw)
    if kind is CustomFieldType.DATE:
        return _date(raw)
    if kind is CustomFieldType.BOOLEAN:
        if not isinstance(raw, bool):
            raise InvalidValue(FieldErrorCode.INVALID, "must be true or false")
        return raw
    if kind is CustomFieldType.SELECT:
        return _option(field, raw)
    if kind is CustomFieldType.MULTI_SELECT:
        if not isinstance(raw, list):
            raise InvalidValue(FieldErrorCode.INVALID, "must be a list of the field's options")
        return sorted({_option(field, item) for item in raw})
    if kind is CustomFieldType.URL:
        return _url(raw)
    if kind is CustomFieldType.EMAIL:
        try:
            return normalize_email(_limited(_string(raw, "an email address"), EMAIL_MAX))
        except InvalidContact as exc:
            raise InvalidValue(FieldErrorCode.INVALID_EMAIL, str(exc)) from None
    try:  # phone
        return normalize_phone(_limited(_string(raw, "a phone number"), RAW_CONTACT_MAX), region).e164
    except InvalidContact as exc:
        raise InvalidValue(FieldErrorCode.INVALID_PHONE, str(exc)) from None


def by_key(fields: Iterable[FieldDef]) -> dict[str, FieldDef]:
    return {f.key: f for f in fields}


def path(key: str) -> str:
    return f"customFields.{key}"


def clean_inputs(
    fields: dict[str, FieldDef], items: Iterable[dict[str, Any]], region: str, errors: Errors
) -> dict[str, Any]:
    """{key: canonical value, or None to clear} for ``[{key, value}]`` input; problems go to ``errors``."""
    out: dict[str, Any] = {}
    for item in items:
        key = str(item.get("key") or "")
        field = fields.get(key)
        if key in out:
            errors.add(path(key), FieldErrorCode.DUPLICATE, "is given twice")
        elif field is None:
            errors.add(path(key), FieldErrorCode.UNKNOWN, "is not a custom field of this company")
        elif field.archived:
            errors.add(path(key), FieldErrorCode.NOT_ALLOWED, "is archived; unarchive it to change its values")
        else:
            try:
                out[key] = clean_value(field, item.get("value"), region)
            except InvalidValue as exc:
                errors.add(path(key), exc.code, str(exc))
                out[key] = None  # so a repeat of the key is still reported as such
    return out


def apply_changes(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``current`` with ``changes`` set; a None change removes the key (nothing stores empties)."""
    out = {k: v for k, v in current.items() if k not in changes}
    out.update({k: v for k, v in changes.items() if v is not None})
    return out


def check_values(fields: dict[str, FieldDef], values: dict[str, Any], region: str, errors: Errors) -> dict[str, Any]:
    """Values gathered from elsewhere (a merge, an import) checked whole: each key must be a field
    (archived ones included: they keep their values) and each value valid; answers them canonical."""
    out: dict[str, Any] = {}
    for key, raw in values.items():
        field = fields.get(key)
        if field is None:
            errors.add(path(key), FieldErrorCode.UNKNOWN, "is not a custom field of this company")
            continue
        try:
            value = clean_value(field, raw, region)
        except InvalidValue as exc:
            errors.add(path(key), exc.code, str(exc))
            continue
        if value is not None:
            out[key] = value
    return out


def check_required_values(
    fields: Iterable[FieldDef], values: dict[str, Any], errors: Errors, skip: Iterable[str] = ()
) -> None:
    """REQUIRED for each required field (archived ones aside) without a value, unless already flagged
    or its API name (``customFields.<key>``) is in ``skip`` (see ``authz.masking.unchecked_required``)."""
    flagged = {e.field for e in errors.items} | set(skip)
    for field in fields:
        if field.required and not field.archived and values.get(field.key) is None and path(field.key) not in flagged:
            errors.add(path(field.key), FieldErrorCode.REQUIRED, "is required")
