from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

# Every foreign key between two tenant-owned tables becomes (tenant_id, x_id) -> (tenant_id, id),
# and every tenant-owned table's primary key (tenant_id, id), with a plain index on id for the
# ORM's lookups by id alone. Written over the catalogue, so every such key is caught, whichever
# migration made it; ON DELETE is kept (SET NULL names its column, PostgreSQL 15+, so that
# tenant_id is never nulled).
_REKEY = """
DO $$
DECLARE
    r record;
    recreate text[] := '{}';
    statement text;
BEGIN
    FOR r IN
        SELECT con.conrelid::regclass AS tbl, con.conname, a.attname AS col, ra.attname AS refcol,
               con.confrelid::regclass AS ref, con.confdeltype AS on_delete
        FROM pg_constraint con
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
        JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1]
        WHERE con.contype = 'f' AND cardinality(con.conkey) = 1 AND a.attname <> 'tenant_id'
          AND con.connamespace = 'public'::regnamespace
          AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = con.conrelid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
          AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = con.confrelid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
        ORDER BY 1, 2
    LOOP
        IF r.refcol <> 'id' THEN
            RAISE EXCEPTION 'foreign key % on % references %.%, not id', r.conname, r.tbl, r.ref, r.refcol;
        END IF;
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
        recreate := recreate || format(
            'ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (tenant_id, %I) REFERENCES %s (tenant_id, id) ON DELETE %s',
            r.tbl, r.conname, r.col, r.ref,
            CASE r.on_delete
                WHEN 'c' THEN 'CASCADE'
                WHEN 'n' THEN format('SET NULL (%I)', r.col)
                WHEN 'd' THEN format('SET DEFAULT (%I)', r.col)
                WHEN 'r' THEN 'RESTRICT'
                ELSE 'NO ACTION'
            END);
    END LOOP;

    FOR r IN
        SELECT con.conrelid::regclass AS tbl, con.conname, c.relname
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
        WHERE con.contype = 'p' AND cardinality(con.conkey) = 1 AND a.attname = 'id'
          AND con.connamespace = 'public'::regnamespace
          AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = con.conrelid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
        ORDER BY 1
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (tenant_id, id)', r.tbl, r.conname);
        EXECUTE format('CREATE INDEX %I ON %s (id)', r.relname || '_id_idx', r.tbl);
    END LOOP;

    FOREACH statement IN ARRAY recreate LOOP
        EXECUTE statement;
    END LOOP;
END $$;
"""


class Migration(migrations.Migration):
    """Every unique constraint, primary key and foreign key of a tenant-owned table includes
    tenant_id, so that the tables can be distributed by company (Citus needs the distribution
    column in every primary key and unique constraint, and joins and foreign keys between
    distributed tables on it). A foreign key that carries tenant_id also makes PostgreSQL refuse a
    row that points at another company's row. tests/test_tenant_keyed_schema.py reads the
    catalogue and fails on any key that does not.

    Not reversible: going back would mean rebuilding every key by hand.
    """

    dependencies = [("models", "0029_row_level_security")]

    initial = False

    operations = [
        ops.RemoveConstraint(model_name="WebhookDispatch", name=None, fields=["webhook", "event"]),
        ops.AlterModelOptions(
            name="WebhookDispatch",
            options={
                "table": "webhook_dispatch",
                "app": "models",
                "unique_together": (("tenant", "webhook", "event"),),
                "pk_attr": "id",
                "table_description": "One event owed to one endpoint: delivered, failed (given up), or pending with its next try.",
            },
        ),
        ops.AddConstraint(
            model_name="WebhookDispatch",
            constraint=UniqueConstraint(fields=("tenant", "webhook", "event"), name=None),
        ),
        ops.RunSQL(_REKEY),
    ]
