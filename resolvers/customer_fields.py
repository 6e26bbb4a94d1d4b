"""Checking and normalizing the standard fields of a customer on every write path."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from models.customers import CUSTOMER
from resolvers.contact import InvalidContact, normalize_email, normalize_phone
from resolvers.documents import normalize_document
from resolvers.errors import Errors, FieldErrorCode
from resolvers.text import fold

# API field name -> (column, max length): the columns are the Customer descriptor's, the limits
# are the validators' own.
_ADDRESS = CUSTOMER.group_columns("address")
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "name": (CUSTOMER.by_api["name"].sql, 200),
    "tradeName": (CUSTOMER.by_api["tradeName"].sql, 200),
}
ADDRESS_LIMITS = {"street": 200, "number": 20, "complement": 100, "neighbourhood": 100, "city": 100, "state": 50,
                  "postalCode": 20, "country": 2}  # fmt: skip
ADDRESS_FIELDS: dict[str, tuple[str, int]] = {api: (_ADDRESS[api].sql, limit) for api, limit in ADDRESS_LIMITS.items()}
# Standard fields a company may require (API names) and the column holding each. Phones are kept
# in E.164, so requiring `phone` requires country code, area code and number together.
STANDARD_FIELDS: dict[str, str] = {
    **{api: CUSTOMER.by_api[api].sql for api in ("name", "tradeName", "email", "phone", "whatsapp", "document")},
    **{f"address.{field}": column for field, (column, _) in ADDRESS_FIELDS.items() if field != "complement"},
}
# Fields written as one of an enum's values (API name -> column).
ENUM_FIELDS = {c.api: c.sql for c in CUSTOMER.columns if c.enum is not None and c.api is not None}
ALWAYS_REQUIRED = "name"  # the column cannot be empty
RAW_CONTACT_MAX = 40
EMAIL_MAX = 254


def _text(value: Any, field: str, limit: int, errors: Errors) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > limit:
        errors.add(field, FieldErrorCode.TOO_LONG, f"must be at most {limit} characters")
        return None
    return text or None


def clean_customer_fields(
    data: dict[str, Any], region: str, *, creating: bool, errors: Errors | None = None
) -> dict[str, Any]:
    """Column values for the fields present in ``data``; every problem in one ValidationFailed.

    A key absent from ``data`` is left alone; a key present with None clears the column. Given
    ``errors``, problems are added there and the caller raises (to report them with others).
    """
    own_errors = errors is None
    errors = Errors() if errors is None else errors
    out: dict[str, Any] = {}

    for field, (column, limit) in TEXT_FIELDS.items():
        if field in data:
            out[column] = _text(data[field], field, limit, errors)
    if (creating or "name" in data) and not out.get("name") and not any(e.field == "name" for e in errors.items):
        errors.add("name", FieldErrorCode.REQUIRED, "is required")
    if "name" in out or "trade_name" in out:
        out["_search_changed"] = True

    if "email" in data:
        raw = data["email"]
        if raw is None or not str(raw).strip():
            out["email"] = out["email_normalized"] = None
        elif len(raw) > EMAIL_MAX:
            errors.add("email", FieldErrorCode.TOO_LONG, f"must be at most {EMAIL_MAX} characters")
        else:
            try:
                out["email_normalized"] = normalize_email(raw)
                out["email"] = raw.strip()
            except InvalidContact as exc:
                errors.add("email", FieldErrorCode.INVALID_EMAIL, str(exc))

    for field in ("phone", "whatsapp"):
        if field not in data:
            continue
        raw = data[field]
        if raw is None or not str(raw).strip():
            out[field] = out[f"{field}_e164"] = None
        elif len(raw) > RAW_CONTACT_MAX:
            errors.add(field, FieldErrorCode.TOO_LONG, f"must be at most {RAW_CONTACT_MAX} characters")
        else:
            try:
                phone = normalize_phone(raw, region)
                out[field] = raw.strip()
                out[f"{field}_e164"] = phone.e164
            except InvalidContact as exc:
                errors.add(field, FieldErrorCode.INVALID_PHONE, str(exc))

    if "document" in data:
        raw = data["document"]
        if raw is None or not str(raw).strip():
            out["document"] = None
        elif len(raw) > 32:
            errors.add("document", FieldErrorCode.TOO_LONG, "must be at most 32 characters")
        else:
            try:
                out["document"] = normalize_document(raw)
            except InvalidContact as exc:
                errors.add("document", FieldErrorCode.INVALID_DOCUMENT, str(exc))

    if "address" in data:
        address = data["address"]  # None clears the whole address
        for field, (column, limit) in ADDRESS_FIELDS.items():
            if address is None or field in address:
                raw = None if address is None else address[field]
                value = _text(raw, f"address.{field}", limit, errors)
                if field == "country" and value is not None:
                    value = value.upper()
                    if len(value) != 2 or not value.isalpha():
                        errors.add("address.country", FieldErrorCode.INVALID, "must be a two-letter ISO code")
                out[column] = value

    for field, column in ENUM_FIELDS.items():
        if field in data:
            if data[field] is None:
                errors.add(field, FieldErrorCode.REQUIRED, "cannot be empty")
            else:
                out[column] = str(data[field])

    if own_errors:
        errors.raise_if_any()
    return out


def check_required(row: dict[str, Any], required: Iterable[str], errors: Errors, skip: Iterable[str] = ()) -> None:
    """REQUIRED for each required standard field the row (as it would be written) leaves empty.

    A field that already has an error (e.g. an invalid email) is not reported twice. Fields in
    ``skip`` (API names) are not checked: see ``authz.masking.unchecked_required``.
    """
    flagged = {e.field for e in errors.items} | set(skip)
    for field in required:
        column = STANDARD_FIELDS.get(field)
        if column is not None and field not in flagged and row.get(column) in (None, ""):
            errors.add(field, FieldErrorCode.REQUIRED, "is required")


def search_text(name: str | None, trade_name: str | None) -> str:
    return " ".join(part for part in (fold(name), fold(trade_name)) if part)
