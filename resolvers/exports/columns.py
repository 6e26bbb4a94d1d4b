"""The columns an export can hold: their API names (the ``columns`` argument and the JSON keys),
their headers in CSV and Excel, and the SQL that reads them, contact rules applied in SQL.

Headers are the Portuguese names the import recognises (resolvers/imports/mapping.py), custom
fields by their label, so an exported file can be imported again as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from authz.masking import CONTACT_COLUMNS, custom_value_hidden
from models import CustomFieldType
from models.customers import CUSTOMER
from models.sql import Sql, join
from resolvers.custom_values import FieldDef
from resolvers.errors import Errors, FieldErrorCode

CUSTOM_PREFIX = "customFields."


@dataclass(frozen=True, slots=True)
class ExportColumn:
    """One column as the caller names it. ``headers``: the spreadsheet columns it fills (owner fills
    two); ``kind`` says how a cell is written; ``field`` is its custom field, if one."""

    name: str
    headers: tuple[str, ...]
    kind: str  # text, enum, datetime, tags, teams, owner, id, custom
    field: FieldDef | None = None


# The standard columns, in file order: (API name, header, kind).
_STANDARD: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("id", ("ID",), "id"),
    ("name", ("Nome",), "text"),
    ("tradeName", ("Nome fantasia",), "text"),
    ("email", ("E-mail",), "text"),
    ("phone", ("Telefone",), "text"),
    ("whatsapp", ("WhatsApp",), "text"),
    ("document", ("CPF/CNPJ",), "text"),
    ("status", ("Status",), "enum"),
    ("originChannel", ("Origem",), "enum"),
    ("address.street", ("Rua",), "text"),
    ("address.number", ("Número",), "text"),
    ("address.complement", ("Complemento",), "text"),
    ("address.neighbourhood", ("Bairro",), "text"),
    ("address.city", ("Cidade",), "text"),
    ("address.state", ("UF",), "text"),
    ("address.postalCode", ("CEP",), "text"),
    ("address.country", ("País",), "text"),
    ("tags", ("Tags",), "tags"),
    # The seller's email first: the import maps that column to the owner.
    ("owner", ("Vendedor (e-mail)", "Nome do vendedor"), "owner"),
    ("teams", ("Equipes",), "teams"),
    ("createdAt", ("Criado em",), "datetime"),
    ("lastInteractionAt", ("Última interação",), "datetime"),
    ("lastContactedAt", ("Último contato",), "datetime"),
)
STANDARD_NAMES = tuple(name for name, _, _ in _STANDARD)
_CUSTOM_AFTER = "owner"  # custom fields come after the standard data, before the relations and times

# API name -> the customer column it reads (the owner, tags and teams are read by subqueries).
_SQL_OF = {CUSTOMER.api_name_of[c]: c for c in CUSTOMER.api_name_of}


def available(fields: Sequence[FieldDef]) -> list[ExportColumn]:
    """Every column, in file order: the standard ones and each active custom field."""
    custom = [
        ExportColumn(CUSTOM_PREFIX + f.key, (f.label or f.key,), "custom", f)
        for f in sorted(fields, key=lambda f: f.position)
        if not f.archived
    ]
    out: list[ExportColumn] = []
    for name, headers, kind in _STANDARD:
        if name == _CUSTOM_AFTER:
            out += custom
        out.append(ExportColumn(name, headers, kind))
    return out


def choose(fields: Sequence[FieldDef], names: Sequence[str] | None) -> list[ExportColumn]:
    """The columns asked for, in the order asked (all of them, in file order, when none are)."""
    every = available(fields)
    if not names:
        return every
    by_name = {c.name: c for c in every}
    errors = Errors()
    chosen: list[ExportColumn] = []
    for i, name in enumerate(names):
        column = by_name.get(name)
        if column is None:
            errors.add(f"columns[{i}]", FieldErrorCode.UNKNOWN, f"'{name}' is not a column of the export")
        elif column not in chosen:
            chosen.append(column)
    errors.raise_if_any()
    return chosen


def select_list(columns: Sequence[ExportColumn], hidden: bool, *, ids: bool) -> Sql:
    """The SELECT list of the rows of ``columns`` for the customer as ``c``. Contact data the caller
    may not see is never read: NULL in its place, and custom values of contact types left out of
    the jsonb, so no path after this one can let it slip. ``ids``: tags and teams with their ids."""
    parts: list[Sql] = [Sql("c.id")]
    contact = set(CONTACT_COLUMNS) if hidden else set()
    for column in columns:
        if column.name in _SQL_OF and column.name != "id":
            sql = _SQL_OF[column.name]
            parts.append(Sql(f"NULL::text AS {sql}" if sql in contact else f"c.{sql}"))
    custom = [c.field for c in columns if c.field is not None]
    if custom:
        withheld = [f.key for f in custom if custom_value_hidden(f.type, hidden)]
        parts.append(
            Sql("c.custom_fields - %s::text[] AS custom_fields", withheld) if withheld else Sql("c.custom_fields")
        )
    kinds = {c.kind for c in columns}
    if "owner" in kinds:
        parts.append(
            Sql(
                "(SELECT ARRAY[u.email, u.name, u.id::text] FROM app_user u "
                "WHERE u.id = c.owner_id AND u.tenant_id = c.tenant_id) AS owner"
            )
        )
    if "tags" in kinds:
        parts.append(_names("tag", "g.name_key", "tags", ids))
    if "teams" in kinds:
        parts.append(_names("team", "g.name", "teams", ids))
    return join(", ", parts)


def _held(table: str) -> str:
    """The customer's tags or teams as ``g``: by the ids its row carries (migration 0033), which
    spares an index search of the link table for every exported row."""
    return f"FROM {table} g WHERE g.tenant_id = c.tenant_id AND g.id = ANY(c.{table}_ids)"


def _names(table: str, order: str, alias: str, ids: bool) -> Sql:
    """The names (and with ``ids`` the ids, as ``<alias>_ids``) of the customer's tags or teams,
    in the order the API lists them."""

    def array(value: str, name: str) -> str:
        return f"ARRAY(SELECT {value} {_held(table)} ORDER BY {order}, g.id) AS {name}"

    text = array("g.name", alias)
    if ids:
        text += ", " + array("g.id", f"{alias}_ids")
    return Sql(text)


def sql_name(column: ExportColumn) -> str | None:
    """The customer column a standard column reads, if it reads one."""
    return _SQL_OF.get(column.name)


# --- CSV cells written by PostgreSQL itself (COPY), for speed: the same cells as cells.py/writers.py


def inert_sql(expr: str) -> str:
    """``inert`` (resolvers/imports/formula_cells.py) in SQL: an apostrophe before a text that a
    spreadsheet would run as a formula."""
    return f"(CASE WHEN left({expr}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') THEN '''' || {expr} ELSE {expr} END)"


def inert_once_sql(expr: str) -> str:
    """``inert_sql`` of an expensive ``expr`` (a subquery per row), evaluated once: ``inert_sql``
    names its value up to three times, and PostgreSQL would run the subquery each time. OFFSET 0
    keeps the planner from folding the inner SELECT back into the expression."""
    return f"(SELECT {inert_sql('v')} FROM (SELECT {expr} AS v OFFSET 0) once)"


def _around(template: Callable[[str], str], expr: Sql) -> Sql:
    """``template`` (``inert_sql``, ``inert_once_sql``) applied to an expression with parameters."""
    pieces = template("\x00").split("\x00")
    out = Sql(pieces[0])
    for piece in pieces[1:]:
        out = out + expr + Sql(piece)
    return out


_WHEN = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"


def _custom_text(field: FieldDef, hidden: bool) -> Sql:
    if custom_value_hidden(field.type, hidden):
        return Sql("NULL::text")
    value = Sql("c.custom_fields -> %s", field.key)
    text = Sql("c.custom_fields ->> %s", field.key)
    if field.type is CustomFieldType.BOOLEAN:
        return value.wrap("(CASE (", ")::text WHEN 'true' THEN 'sim' WHEN 'false' THEN 'não' END)")
    if field.type is CustomFieldType.MULTI_SELECT:
        return (
            Sql("(CASE WHEN jsonb_typeof(")
            + value
            + Sql(") = 'array' THEN (SELECT string_agg(x, ';') FROM jsonb_array_elements_text(")
            + value
            + Sql(") x) END)")
        )
    if field.type in (CustomFieldType.NUMBER, CustomFieldType.DECIMAL, CustomFieldType.DATE):
        return text
    return Sql(inert_sql("(c.custom_fields ->> %s)"), *([field.key] * inert_sql("x").count("x")))


def _by_id(table: str, value: str, tenant: object) -> Sql:
    """The company's ``table`` rows as one jsonb object, id -> ``value``: an uncorrelated subquery,
    which PostgreSQL computes once per statement. A lookup in it costs far less than a subquery
    run for each exported row (1M rows: the owner and tag cells took 11 of 16 s that way)."""
    return Sql(f"(SELECT jsonb_object_agg(g.id, {value}) FROM {table} g WHERE g.tenant_id = %s)", tenant)


def _names_cell(table: str, order: str, tenant: object) -> Sql:
    """The customer's tags or teams, ``;``-joined in the API's order, by the ids its row carries."""
    names = _by_id(table, f"jsonb_build_array({order}, g.name)", tenant)
    return (
        Sql(f"(CASE WHEN c.{table}_ids IS NOT NULL THEN array_to_string(ARRAY(SELECT n.v ->> 1 FROM (SELECT ")
        + names
        + Sql(f" -> t::text AS v, t FROM unnest(c.{table}_ids) t) n ORDER BY n.v ->> 0, n.t), ';') END)")
    )


def csv_select_list(columns: Sequence[ExportColumn], hidden: bool, tenant: object) -> tuple[Sql, list[str]]:
    """The SELECT list of the CSV cells of ``columns`` as text (aliases ``k0``, ``k1``...), contact
    data withheld as in ``select_list``; and the aliases in file order. ``tenant``: the company."""
    parts: list[Sql] = []
    contact = set(CONTACT_COLUMNS) if hidden else set()

    def add(expr: Sql) -> None:
        parts.append(expr + Sql(f" AS k{len(parts)}"))

    for column in columns:
        sql = _SQL_OF.get(column.name)
        if column.field is not None:
            add(_custom_text(column.field, hidden))
        elif column.kind == "id":
            add(Sql("encode(convert_to('Customer:' || c.id::text, 'UTF8'), 'base64')"))
        elif column.kind == "owner":
            owners = _by_id("app_user", "jsonb_build_array(g.email, g.name)", tenant)
            for i in (0, 1):  # a lookup is cheap enough to repeat in the inert test
                cell = owners.wrap("(", f" -> c.owner_id::text ->> {i})")
                add(_around(inert_sql, cell))
        elif column.kind in ("tags", "teams"):
            table, order = ("tag", "g.name_key") if column.kind == "tags" else ("team", "g.name")
            add(_around(inert_once_sql, _names_cell(table, order, tenant)))
        elif sql in contact:
            add(Sql("NULL::text"))
        elif column.name == "status":
            add(Sql("(CASE c.status WHEN 'active' THEN 'ativo' WHEN 'inactive' THEN 'inativo' ELSE c.status END)"))
        elif column.kind == "datetime":
            add(Sql(_WHEN.format(f"c.{sql}")))
        elif column.kind == "enum":
            add(Sql(f"c.{sql}"))
        else:
            add(Sql(inert_sql(f"c.{sql}")))
    return join(", ", parts), [f"k{i}" for i in range(len(parts))]
