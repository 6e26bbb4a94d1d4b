from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """NOTIFY crm_principals when anything a principal is read from changes.

    API processes remember a verified caller's principal for a few seconds; each listens on this
    channel (server/change_events.py) and forgets them when a user, an API key, a team
    membership or a company's settings change, whoever made the change: a request served by any
    process, the CLI, plain SQL. Statement-level triggers: one notification per statement, sent
    when its transaction commits (none for a rollback). Only the columns a principal reads count,
    so an API key's last-use stamp does not clear every cache.
    """

    dependencies = [("models", "0018_customer_owner_statistics")]

    initial = False

    operations = [
        ops.RunSQL(
            """
            CREATE FUNCTION crm_principals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('crm_principals', TG_TABLE_NAME);
                RETURN NULL;
            END $$;
            CREATE TRIGGER app_user_principal_changed
                AFTER INSERT OR DELETE OR UPDATE OF role, name, email, is_active, tenant_id ON app_user
                FOR EACH STATEMENT EXECUTE FUNCTION crm_principals_changed();
            CREATE TRIGGER api_key_principal_changed
                AFTER INSERT OR DELETE OR UPDATE OF role, name, secret_hash, revoked_at, user_id, tenant_id ON api_key
                FOR EACH STATEMENT EXECUTE FUNCTION crm_principals_changed();
            CREATE TRIGGER tenant_principal_changed
                AFTER INSERT OR DELETE OR UPDATE OF slug, default_region, allow_duplicates, restricted_visibility,
                    hide_contact_from_sellers, required_fields ON tenant
                FOR EACH STATEMENT EXECUTE FUNCTION crm_principals_changed();
            CREATE TRIGGER team_membership_principal_changed
                AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON team_membership
                FOR EACH STATEMENT EXECUTE FUNCTION crm_principals_changed();
            """,
            reverse_sql="""
            DROP TRIGGER team_membership_principal_changed ON team_membership;
            DROP TRIGGER tenant_principal_changed ON tenant;
            DROP TRIGGER api_key_principal_changed ON api_key;
            DROP TRIGGER app_user_principal_changed ON app_user;
            DROP FUNCTION crm_principals_changed();
            """,
        ),
    ]
