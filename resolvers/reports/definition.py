"""A report definition, checked: what to group (one or two dimensions), what to total, how to fold.

The definition is kept as the API gives it (API names, ids as text) in a template; ``check``
turns it into the typed form the query builder reads, or refuses it with field errors. Whether a
dimension or a total touches contact data hidden from the caller is decided here, before anything
is read, so a refused report answers the same whatever the data holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from models import CustomFieldType
from models.customers import CUSTOMER
from models.descriptors import Column
from resolvers.custom_values import FieldDef
from resolvers.errors import Errors, FieldErrorCode

MAX_DIMENSIONS = 2
MAX_SYNONYMS = 200
SYNONYM_MAX = 200  # characters of each side of a synonym


class DimensionKind(StrEnum):
    ORIGIN_CHANNEL = "origin_channel"
    STATUS = "status"
    OWNER = "owner"
    TEAM = "team"
    TAG = "tag"
    CUSTOM_FIELD = "custom_field"
    CREATED_MONTH = "created_month"
    FIELD = "field"  # a standard text field of the customer: city, state, email...


class TotalKind(StrEnum):
    COUNT = "count"
    SUM = "sum"
    AVG = "avg"


class Measure(StrEnum):
    CUSTOM_FIELD = "custom_field"  # a number or decimal custom field
    PURCHASES = "purchases"  # the amounts of the customers' purchases


class SourceKind(StrEnum):
    CUSTOMERS = "customers"
    JSON = "json"


# Standard text fields a report may group on, by API name: their column.
TEXT_FIELDS: dict[str, Column] = {c.api: c for c in CUSTOMER.columns if c.api is not None and c.kind == "string"}
# Custom field types a report groups on, folded as text; multi-selects count once per option held.
GROUPABLE = frozenset(
    {
        CustomFieldType.TEXT,
        CustomFieldType.SELECT,
        CustomFieldType.MULTI_SELECT,
        CustomFieldType.BOOLEAN,
        CustomFieldType.URL,
        CustomFieldType.EMAIL,
        CustomFieldType.PHONE,
    }
)
NUMERIC = frozenset({CustomFieldType.NUMBER, CustomFieldType.DECIMAL})
CONTACT_TYPES = frozenset({CustomFieldType.EMAIL, CustomFieldType.PHONE})


@dataclass(frozen=True, slots=True)
class Dimension:
    kind: DimensionKind
    field: str | None = None  # the custom field key (CUSTOM_FIELD) or standard field name (FIELD)
    custom: FieldDef | None = None

    @property
    def many(self) -> bool:
        """Whether one customer may fall in several groups (tags, teams, a multi-select's options)."""
        if self.kind in (DimensionKind.TAG, DimensionKind.TEAM):
            return True
        return self.custom is not None and self.custom.type is CustomFieldType.MULTI_SELECT

    def api(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "field": self.field}


@dataclass(frozen=True, slots=True)
class Total:
    kind: TotalKind = TotalKind.COUNT
    measure: Measure | None = None
    custom: FieldDef | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """A checked definition: ``dimensions`` are the row groupings, then the subdivision if any."""

    dimensions: tuple[Dimension, ...]
    columns: bool  # the last dimension is a subdivision (shown as columns)
    total: Total
    synonyms: tuple[tuple[str, str], ...] = ()
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def row_dimensions(self) -> tuple[Dimension, ...]:
        return self.dimensions[:-1] if self.columns else self.dimensions


def _dimension(raw: Any, path: str, fields: dict[str, FieldDef], hidden: bool, errors: Errors) -> Dimension | None:
    if not isinstance(raw, dict):
        errors.add(path, FieldErrorCode.INVALID, "is not a dimension")
        return None
    try:
        kind = DimensionKind(str(raw.get("kind") or "").lower())
    except ValueError:
        known = ", ".join(k.name for k in DimensionKind)
        errors.add(f"{path}.kind", FieldErrorCode.UNKNOWN, f"is not a dimension ({known})")
        return None
    name = raw.get("field")
    if kind is DimensionKind.CUSTOM_FIELD:
        custom = fields.get(str(name or ""))
        if custom is None or custom.archived:
            errors.add(f"{path}.field", FieldErrorCode.UNKNOWN, "is not a custom field of this company")
            return None
        if custom.type not in GROUPABLE:
            errors.add(f"{path}.field", FieldErrorCode.INVALID, f"a {custom.type.value} field cannot be grouped on")
            return None
        if hidden and custom.type in CONTACT_TYPES:
            errors.add(f"{path}.field", FieldErrorCode.NOT_ALLOWED, "holds contact data, which is hidden from you")
            return None
        return Dimension(kind, custom.key, custom)
    if kind is DimensionKind.FIELD:
        column = TEXT_FIELDS.get(str(name or ""))
        if column is None:
            known = ", ".join(sorted(TEXT_FIELDS))
            errors.add(f"{path}.field", FieldErrorCode.UNKNOWN, f"is not a text field of customers ({known})")
            return None
        if hidden and column.contact:
            errors.add(f"{path}.field", FieldErrorCode.NOT_ALLOWED, "is contact data, which is hidden from you")
            return None
        return Dimension(kind, column.api)
    if name:
        errors.add(f"{path}.field", FieldErrorCode.INVALID, f"a {kind.name} dimension takes no field")
        return None
    return Dimension(kind)


def _total(raw: Any, fields: dict[str, FieldDef], errors: Errors) -> Total:
    raw = raw or {}
    try:
        kind = TotalKind(str(raw.get("kind") or "count").lower())
    except ValueError:
        errors.add("total.kind", FieldErrorCode.UNKNOWN, "is not a total (COUNT, SUM, AVG)")
        return Total()
    if kind is TotalKind.COUNT:
        if raw.get("measure") or raw.get("field"):
            errors.add("total.measure", FieldErrorCode.INVALID, "a count takes no measure")
        return Total()
    try:
        measure = Measure(str(raw.get("measure") or "").lower())
    except ValueError:
        errors.add("total.measure", FieldErrorCode.REQUIRED, "a sum or average needs CUSTOM_FIELD or PURCHASES")
        return Total()
    currency = raw.get("currency")
    if currency is not None and (not isinstance(currency, str) or len(currency) != 3):
        errors.add("total.currency", FieldErrorCode.INVALID, "is a three-letter currency code")
        currency = None
    if measure is Measure.PURCHASES:
        return Total(kind, measure, currency=currency.upper() if currency else None)
    custom = fields.get(str(raw.get("field") or ""))
    if custom is None or custom.archived:
        errors.add("total.field", FieldErrorCode.UNKNOWN, "is not a custom field of this company")
        return Total()
    if custom.type not in NUMERIC:
        errors.add("total.field", FieldErrorCode.INVALID, f"a {custom.type.value} field cannot be summed")
        return Total()
    return Total(kind, measure, custom)


def _synonyms(raw: Any, errors: Errors) -> tuple[tuple[str, str], ...]:
    items = raw or []
    if not isinstance(items, list):
        errors.add("synonyms", FieldErrorCode.INVALID, "is a list of {from, to}")
        return ()
    if len(items) > MAX_SYNONYMS:
        errors.add("synonyms", FieldErrorCode.TOO_MANY, f"at most {MAX_SYNONYMS} synonyms")
        return ()
    out: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        source = item.get("from") if isinstance(item, dict) else None
        target = item.get("to") if isinstance(item, dict) else None
        if not isinstance(source, str) or not isinstance(target, str) or not source.strip() or not target.strip():
            errors.add(f"synonyms[{i}]", FieldErrorCode.REQUIRED, "give the text to replace and its replacement")
            continue
        if len(source) > SYNONYM_MAX or len(target) > SYNONYM_MAX:
            errors.add(f"synonyms[{i}]", FieldErrorCode.TOO_LONG, f"at most {SYNONYM_MAX} characters each")
            continue
        out.append((source, " ".join(target.split())))
    return tuple(out)


def check(definition: dict[str, Any], fields: dict[str, FieldDef], hidden: bool) -> Report:
    """The definition as the query builder reads it, or ValidationFailed with every fault.

    ``hidden``: contact data is hidden from the caller (email, phone, WhatsApp and contact-type
    custom fields cannot be grouped on)."""
    errors = Errors()
    group_by = definition.get("groupBy") or []
    subdivide = definition.get("subdivideBy")
    if not isinstance(group_by, list) or not group_by:
        errors.add("groupBy", FieldErrorCode.REQUIRED, "group by at least one dimension")
        group_by = []
    asked = [*group_by, *([subdivide] if subdivide else [])]
    if len(asked) > MAX_DIMENSIONS:
        errors.add("groupBy", FieldErrorCode.TOO_MANY, f"at most {MAX_DIMENSIONS} dimensions, subdivision included")
        asked = []
    paths = [f"groupBy[{i}]" for i in range(len(group_by))] + (["subdivideBy"] if subdivide else [])
    dims = [_dimension(d, p, fields, hidden, errors) for d, p in zip(asked, paths, strict=False)]
    total = _total(definition.get("total"), fields, errors)
    synonyms = _synonyms(definition.get("synonyms"), errors)
    source = definition.get("source") or {}
    try:
        kind = SourceKind(str(source.get("kind") or "customers").lower())
    except ValueError:
        errors.add("source.kind", FieldErrorCode.UNKNOWN, "is CUSTOMERS or JSON")
        kind = SourceKind.CUSTOMERS
    if kind is SourceKind.JSON and total.measure is Measure.PURCHASES:
        errors.add("total.measure", FieldErrorCode.INVALID, "an exported file holds no purchases")
    errors.raise_if_any()
    return Report(
        tuple(d for d in dims if d is not None), bool(subdivide), total, synonyms, {**source, "kind": kind.value}
    )
