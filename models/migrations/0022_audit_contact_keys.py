from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import SqlDefault
from tortoise import fields


class Migration(migrations.Migration):
    """Audit entries record which of their keys held contact data when written, so a reader from
    whom contact data is hidden sees those keys without their values."""

    dependencies = [('models', '0021_integrations')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuditEntry',
            name='contact_keys',
            field=fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"), encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.RunSQL(
            "CREATE INDEX audit_entry_action ON audit_entry (tenant_id, action, created_at DESC);",
            reverse_sql="DROP INDEX audit_entry_action;",
        ),
    ]
