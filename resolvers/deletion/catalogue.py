"""Which tables hold a customer's rows, read from PostgreSQL's catalogue.

A table belongs to the customer through a column that names it: a foreign key to ``customer``,
or a uuid column called ``customer_id`` / ``*_customer_id`` (import records keep one without a
key). Rows one level further belong too: a message through its conversation. JSON columns of
tenant tables may name a customer inside a value (merge records, other customers' history, the
audit log's details); the purge scrubs those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.db import fetch
from models.sql import Sql


@dataclass(frozen=True, slots=True)
class Link:
    """Rows of ``table`` whose ``column`` names a row of the parent (the customer, or a direct row)."""

    table: str
    column: str
    children: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalogue:
    # Tables naming a customer directly, each with the tables naming their rows.
    links: tuple[Link, ...]
    # (table, column) of every jsonb column of a tenant-keyed table: where a customer id may hide.
    json_columns: tuple[tuple[str, str], ...]

    def tables(self) -> list[str]:
        """Every table that holds rows of a customer, children included."""
        return sorted({link.table for link in self.links} | {c.table for link in self.links for c in link.children})

    def link(self, table: str) -> Link | None:
        return next((link for link in self.links if link.table == table), None)


# A foreign key names its parent by one column besides tenant_id: (tenant_id, customer_id) ->
# customer (tenant_id, id), as every key between tenant-owned tables is (migration 0030); a key of
# one column (customer_id -> customer (id)) counts as well.
_ONE_COLUMN_BESIDES_TENANT = """
    (SELECT count(*) FROM pg_attribute x
     WHERE x.attrelid = k.conrelid AND x.attnum = ANY (k.conkey) AND x.attname <> 'tenant_id') = 1
"""
_LINK_COLUMN = (
    "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) AND a.attname <> 'tenant_id'"
)

_DIRECT = f"""
SELECT DISTINCT t.relname AS tbl, a.attname AS col
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
{_LINK_COLUMN}
WHERE k.contype = 'f' AND k.confrelid = 'customer'::regclass AND {_ONE_COLUMN_BESIDES_TENANT}
  AND t.relname <> 'customer'
UNION
SELECT t.relname, a.attname
FROM pg_attribute a
JOIN pg_class t ON t.oid = a.attrelid
WHERE t.relkind = 'r' AND t.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'customer'::regclass)
  AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype
  AND (a.attname = 'customer_id' OR a.attname LIKE '%%\\_customer\\_id') AND t.relname <> 'customer'
"""

_CATALOGUE = Sql(
    """
WITH direct AS ("""
    + _DIRECT
    + """),
children AS (
    SELECT DISTINCT p.relname AS parent, t.relname AS tbl, a.attname AS col
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid
    JOIN pg_class p ON p.oid = k.confrelid
    """
    + _LINK_COLUMN
    + """
    WHERE k.contype = 'f' AND """
    + _ONE_COLUMN_BESIDES_TENANT
    + """ AND p.relname IN (SELECT tbl FROM direct)
      AND t.relname <> 'customer' AND p.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'customer'::regclass)
),
json_columns AS (
    SELECT t.relname AS tbl, a.attname AS col
    FROM pg_attribute a
    JOIN pg_class t ON t.oid = a.attrelid
    WHERE t.relkind = 'r' AND t.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'customer'::regclass)
      AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'jsonb'::regtype
      AND EXISTS (SELECT 1 FROM pg_attribute ta WHERE ta.attrelid = t.oid AND ta.attname = 'tenant_id' AND NOT ta.attisdropped)
)
SELECT 'direct' AS kind, NULL AS parent, tbl, col FROM direct
UNION ALL SELECT 'child', parent, tbl, col FROM children
UNION ALL SELECT 'json', NULL, tbl, col FROM json_columns
ORDER BY 1, 2, 3, 4
"""
)


# Names read from the catalogue are written into statements: only plain identifiers are taken.
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


async def read_catalogue() -> Catalogue:
    """The tables holding customers' data, as the database now stands (one statement)."""
    rows = await fetch(_CATALOGUE)
    for r in rows:
        for name in (r["tbl"], r["col"], r["parent"] or "x"):
            if not _IDENTIFIER.match(name):
                raise RuntimeError(f"table or column name {name!r} is not a plain identifier")
    children: dict[str, list[Link]] = {}
    for r in rows:
        if r["kind"] == "child":
            children.setdefault(r["parent"], []).append(Link(r["tbl"], r["col"]))
    links = tuple(Link(r["tbl"], r["col"], tuple(children.get(r["tbl"], ()))) for r in rows if r["kind"] == "direct")
    json_columns = tuple((r["tbl"], r["col"]) for r in rows if r["kind"] == "json")
    return Catalogue(links, json_columns)
