"""The schema stays ready to be distributed by company: on every tenant-owned table (one with a
tenant_id column) every primary key, unique constraint, unique index and foreign key includes
tenant_id, and a foreign key to another tenant-owned table matches tenant_id to tenant_id. Read
from PostgreSQL's catalogue of the migrated test database, so a key added by any later migration
(``tortoise makemigrations`` writes single-column foreign keys) is caught here."""

from __future__ import annotations

import asyncpg

# Tables holding rows of no single company, or of the platform: not distributed by tenant_id.
NOT_TENANT_OWNED = {
    "tenant",  # the company itself: its id is the distribution value (a Citus reference or colocated table)
    "tortoise_migrations",
}

_TENANT_TABLES = """
SELECT c.oid, c.relname FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
"""

_KEYS_WITHOUT_TENANT = f"""
WITH owned AS ({_TENANT_TABLES}),
     tenant_col AS (SELECT a.attrelid, a.attnum FROM pg_attribute a WHERE a.attname = 'tenant_id')
SELECT o.relname AS "table", con.conname AS name, pg_get_constraintdef(con.oid) AS definition
FROM owned o JOIN pg_constraint con ON con.conrelid = o.oid
WHERE con.contype IN ('p', 'u', 'f', 'x')
  AND NOT EXISTS (SELECT 1 FROM tenant_col t WHERE t.attrelid = o.oid AND t.attnum = ANY (con.conkey))
UNION ALL
SELECT o.relname, i.relname, pg_get_indexdef(i.oid)
FROM owned o JOIN pg_index x ON x.indrelid = o.oid JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indisunique
  AND NOT EXISTS (SELECT 1 FROM tenant_col t WHERE t.attrelid = o.oid AND t.attnum = ANY (x.indkey::int2[]))
ORDER BY 1, 2
"""

# A foreign key to a tenant-owned table must pair tenant_id with the referenced table's tenant_id,
# not merely contain it somewhere.
_FOREIGN_KEYS_ACROSS_TENANTS = f"""
WITH owned AS ({_TENANT_TABLES})
SELECT con.conrelid::regclass::text AS "table", con.conname AS name, pg_get_constraintdef(con.oid) AS definition
FROM pg_constraint con JOIN owned r ON r.oid = con.confrelid
WHERE con.contype = 'f' AND NOT EXISTS (
    SELECT 1 FROM unnest(con.conkey, con.confkey) AS k(own, ref)
    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.own
    JOIN pg_attribute b ON b.attrelid = con.confrelid AND b.attnum = k.ref
    WHERE a.attname = 'tenant_id' AND b.attname = 'tenant_id')
ORDER BY 1, 2
"""


async def _rows(database_url: str, query: str) -> list[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(query)
    finally:
        await connection.close()
    return [f"{r['table']}: {r['name']} {r['definition']}" for r in rows if r["table"] not in NOT_TENANT_OWNED]


async def test_every_key_of_a_tenant_owned_table_includes_tenant_id(database_url: str) -> None:
    assert await _rows(database_url, _KEYS_WITHOUT_TENANT) == []


async def test_every_foreign_key_to_a_tenant_owned_table_matches_tenant_to_tenant(database_url: str) -> None:
    assert await _rows(database_url, _FOREIGN_KEYS_ACROSS_TENANTS) == []


async def test_the_catalogue_check_sees_keys_without_tenant_id(database_url: str) -> None:
    """The queries above find what they look for (in a scratch table, rolled back)."""
    connection = await asyncpg.connect(database_url)
    scratch = connection.transaction()
    await scratch.start()
    try:
        await connection.execute(
            "CREATE TABLE tenant_keyed_probe (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, email text UNIQUE, "
            "parent_tenant uuid REFERENCES tenant (id), customer_id uuid, "
            "FOREIGN KEY (parent_tenant, customer_id) REFERENCES customer (tenant_id, id))"
        )
        found = {r["name"] for r in await connection.fetch(_KEYS_WITHOUT_TENANT)}
        crossing = {r["name"] for r in await connection.fetch(_FOREIGN_KEYS_ACROSS_TENANTS)}
    finally:
        await scratch.rollback()
        await connection.close()
    assert {"tenant_keyed_probe_pkey", "tenant_keyed_probe_email_key", "tenant_keyed_probe_parent_tenant_fkey"} <= found
    assert crossing == {"tenant_keyed_probe_parent_tenant_customer_id_fkey"}
