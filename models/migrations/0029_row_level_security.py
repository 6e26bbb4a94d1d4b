from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Row-level security on every tenant-owned table, and the role the service connects as.

    Every statement of the service filters by tenant itself; these policies are the second line: a
    statement that forgets its filter reads and writes nothing instead of another company's rows.
    The policy compares ``tenant_id`` with the connection's ``app.tenant_id`` (models/tenancy.py sets
    it for each request and job); with none set, no row passes. FORCE makes the tables' owner
    subject to it too; only a superuser or a BYPASSRLS role (the migrations' own, and the CLI's)
    sees across companies. ``tenant`` is isolated on its ``id``. pgqueuer's tables hold no tenant
    column and stay as they are: jobs are claimed across companies, and each job then runs as the
    tenant its payload names.

    ``crm_app`` (LOGIN, NOSUPERUSER, NOBYPASSRLS, owning nothing) is created here when missing (roles
    belong to the whole server: created once, never dropped) and granted the data, not the schema;
    default privileges grant it the tables later migrations create. ``crm_isolate_by_tenant(table)``
    puts a new tenant-owned table under the same policy; tests/test_row_level_security.py fails
    when a table with ``tenant_id`` lacks it. An API key is looked up across companies before its
    tenant is known: ``crm_api_key_tenant(id)`` answers only that key's tenant, as its owner.
    """

    dependencies = [("models", "0028_billing_parent_index")]

    initial = False

    operations = [
        ops.RunSQL(
            """
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_app') THEN
                    CREATE ROLE crm_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by a migration of another database on the same server
            END $$;

            GRANT USAGE ON SCHEMA public TO crm_app;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO crm_app;
            GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO crm_app;
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO crm_app;
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO crm_app;
            REVOKE INSERT, UPDATE, DELETE ON tortoise_migrations FROM crm_app;

            CREATE FUNCTION crm_isolate_by_tenant(target regclass, tenant_column name DEFAULT 'tenant_id')
                RETURNS void LANGUAGE plpgsql AS $fn$
            BEGIN
                EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
                EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
                EXECUTE format(
                    'CREATE POLICY tenant_isolation ON %1$s '
                    'USING (%2$I = nullif(current_setting(''app.tenant_id'', true), '''')::uuid) '
                    'WITH CHECK (%2$I = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)',
                    target, tenant_column);
            END $fn$;

            DO $$
            DECLARE
                owned regclass;
            BEGIN
                FOR owned IN
                    SELECT c.oid::regclass FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                    WHERE c.relkind IN ('r', 'p')
                LOOP
                    PERFORM crm_isolate_by_tenant(owned);
                END LOOP;
            END $$;
            SELECT crm_isolate_by_tenant('tenant', 'id');

            CREATE FUNCTION crm_api_key_tenant(key_id uuid) RETURNS uuid
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
                RETURN (SELECT tenant_id FROM api_key WHERE id = key_id);
            REVOKE ALL ON FUNCTION crm_api_key_tenant(uuid) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION crm_api_key_tenant(uuid) TO crm_app;
            """,
            reverse_sql="""
            DROP FUNCTION crm_api_key_tenant(uuid);
            DO $$
            DECLARE
                owned regclass;
            BEGIN
                FOR owned IN
                    SELECT DISTINCT p.polrelid::regclass FROM pg_policy p WHERE p.polname = 'tenant_isolation'
                LOOP
                    EXECUTE format('DROP POLICY tenant_isolation ON %s', owned);
                    EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', owned);
                    EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', owned);
                END LOOP;
            END $$;
            DROP FUNCTION crm_isolate_by_tenant(regclass, name);
            ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM crm_app;
            ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM crm_app;
            REVOKE ALL ON ALL TABLES IN SCHEMA public FROM crm_app;
            REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM crm_app;
            REVOKE ALL ON SCHEMA public FROM crm_app;
            """,
        ),
    ]
