"""Each dimension and total as SQL: on the row ``c`` of a customer, or on an exported JSON object
``r.doc``. A dimension gives its raw value as text; one that puts a customer in several groups
(tags, teams, a multi-select) gives a LATERAL list of values instead, numbered, so that the one
row holding a customer's first value (or its only row, when it has none) marks the customer.
Tags and teams come from the ids the customer row carries (migration 0033), not from joining
their link tables: at a million customers that join was most of a report's time."""

from __future__ import annotations

from dataclasses import dataclass

from models.sql import Sql
from resolvers.reports.definition import TEXT_FIELDS, Dimension, DimensionKind, Measure, Total, TotalKind

# A decimal custom value is kept as canonical text (resolvers/custom_values.py); numbers as numbers.
_DECIMAL_TEXT = r"^-?[0-9]+(\.[0-9]+)?$"


@dataclass(frozen=True, slots=True)
class Part:
    """A dimension's raw value (of any type: grouped as it is, then shown as text): ``value`` on the
    row, or, for a dimension with several values per customer, the column ``value`` of ``lateral`` (joined LEFT, so a customer without any is in the
    empty group), numbered ``o`` from 1 under the alias ``many``. ``by_id``: the value is an id
    whose label is a name (never folded)."""

    value: Sql
    lateral: Sql | None = None
    by_id: str | None = None  # the table naming the id: app_user, tag, team
    many: str | None = None  # the lateral's alias

    @property
    def first(self) -> Sql | None:
        """True on one row per customer: its first value, or its empty group (None: single-valued)."""
        return None if self.many is None else Sql(f"(coalesce({self.many}.o, 1) = 1)")


def _listed(alias: str, values: str, *params: object) -> Part:
    """Several distinct values per customer from the set-returning ``values`` (column ``value``)."""
    return Part(
        Sql(f"{alias}.value"),
        Sql(
            f"LEFT JOIN LATERAL (SELECT x.value, row_number() OVER () AS o FROM (SELECT DISTINCT x.value FROM "
            f"{values}) x) {alias} ON TRUE",
            *params,
        ),
        many=alias,
    )


def _custom(key: str, base: str) -> Sql:
    return Sql(f"({base} ->> %s)", key)


def customer_part(dim: Dimension, n: int) -> Part:
    alias = f"d{n}"
    if dim.kind is DimensionKind.ORIGIN_CHANNEL:
        return Part(Sql("c.origin_channel"))
    if dim.kind is DimensionKind.STATUS:
        return Part(Sql("c.status"))
    if dim.kind is DimensionKind.OWNER:
        return Part(Sql("c.owner_id"), by_id="app_user")
    if dim.kind is DimensionKind.CREATED_MONTH:
        return Part(Sql("to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM')"))
    if dim.kind is DimensionKind.FIELD:
        return Part(Sql(f"c.{TEXT_FIELDS[dim.field or ''].sql}"))
    if dim.kind in (DimensionKind.TAG, DimensionKind.TEAM):
        # The ids the row carries are distinct (the link tables are unique per customer).
        return Part(
            Sql(f"{alias}.value"),
            Sql(f"LEFT JOIN LATERAL unnest(c.{dim.kind.value}_ids) WITH ORDINALITY {alias}(value, o) ON TRUE"),
            by_id=dim.kind.value,
            many=alias,
        )
    assert dim.custom is not None
    if dim.many:
        return _listed(
            alias,
            "jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.custom_fields -> %s) = 'array' "
            "THEN c.custom_fields -> %s END) x(value)",
            dim.custom.key,
            dim.custom.key,
        )
    return Part(_custom(dim.custom.key, "c.custom_fields"))


def _names(alias: str, holder: str) -> Part:
    """The names in ``holder`` of an exported row: a list of names or of objects with a name, or
    one ``;``-joined text."""
    return _listed(
        alias,
        f"(SELECT btrim(coalesce(e ->> 'name', e #>> '{{}}')) AS value FROM jsonb_array_elements(CASE "
        f"jsonb_typeof(r.doc -> '{holder}') WHEN 'array' THEN r.doc -> '{holder}' WHEN 'string' THEN "
        f"to_jsonb(string_to_array(r.doc ->> '{holder}', ';')) END) e) x",
    )


def json_part(dim: Dimension, n: int) -> Part:
    """The dimension on an exported object (keys are the GraphQL field names of Customer)."""
    alias = f"d{n}"
    if dim.kind is DimensionKind.ORIGIN_CHANNEL:
        return Part(Sql("(r.doc ->> 'originChannel')"))
    if dim.kind is DimensionKind.STATUS:
        return Part(Sql("(r.doc ->> 'status')"))
    if dim.kind is DimensionKind.OWNER:
        return Part(
            Sql(
                "(CASE jsonb_typeof(r.doc -> 'owner') WHEN 'object' THEN r.doc -> 'owner' ->> 'name' ELSE r.doc ->> 'owner' END)"
            )
        )
    if dim.kind is DimensionKind.CREATED_MONTH:
        return Part(Sql("left(r.doc ->> 'createdAt', 7)"))
    if dim.kind is DimensionKind.FIELD:
        column = TEXT_FIELDS[dim.field or ""]
        if column.group:
            return Part(Sql(f"coalesce(r.doc -> '{column.group}' ->> %s, r.doc ->> %s)", column.api, column.api))
        return Part(Sql("(r.doc ->> %s)", column.api))
    if dim.kind in (DimensionKind.TAG, DimensionKind.TEAM):
        return _names(alias, f"{dim.kind.value}s")
    assert dim.custom is not None
    if dim.many:
        return _listed(
            alias,
            "jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.doc -> 'customFields' -> %s) = 'array' "
            "THEN r.doc -> 'customFields' -> %s END) x(value)",
            dim.custom.key,
            dim.custom.key,
        )
    return Part(_custom(dim.custom.key, "(r.doc -> 'customFields')"))


@dataclass(frozen=True, slots=True)
class MeasureSql:
    """Per customer: ``amount`` (summed) and ``weight`` (how many values it holds, for averages)."""

    amount: Sql
    weight: Sql
    lateral: Sql | None = None


def _number(holder: str, key: str) -> Sql:
    raw = f"({holder} ->> %s)"
    return Sql(
        f"(CASE WHEN jsonb_typeof({holder} -> %s) = 'number' THEN {raw}::numeric "
        f"WHEN {raw} ~ '{_DECIMAL_TEXT}' THEN {raw}::numeric END)",
        key,
        key,
        key,
        key,
    )


def measure(total: Total, holder: str, purchases: Sql | None) -> MeasureSql:
    """``holder``: the custom values (``c.custom_fields`` or an exported row's); ``purchases``: the
    condition on purchase ``p`` of customer ``c`` (its row rule), for the purchase totals."""
    if total.kind is TotalKind.COUNT:
        return MeasureSql(Sql("NULL::numeric"), Sql("0"))
    if total.measure is Measure.PURCHASES:
        assert purchases is not None
        currency = Sql(" AND p.currency = %s", total.currency) if total.currency else Sql("")
        return MeasureSql(
            Sql("pm.amount"),
            Sql("pm.n"),
            Sql("LEFT JOIN LATERAL (SELECT sum(p.amount) AS amount, count(*) AS n FROM purchase p WHERE ")
            + purchases
            + currency
            + Sql(") pm ON TRUE"),
        )
    assert total.custom is not None
    value = _number(holder, total.custom.key)
    return MeasureSql(value, value.wrap("(", " IS NOT NULL)::int"))
