from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    """The company's audit log."""

    dependencies = [('models', '0019_principal_change_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('actor_api_key', fields.ForeignKeyField('models.ApiKey', source_field='actor_api_key_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('actor_name', fields.CharField(default='', db_default='', max_length=200)),
                ('action', fields.CharField(max_length=64)),
                ('object_type', fields.CharField(max_length=32)),
                ('object_id', fields.UUIDField(null=True)),
                ('before', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('details', fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Who (a user or an API key) did what to which object, with the values before and after.'},
            bases=['TenantOwned'],
        ),
        ops.RunSQL(
            """
            CREATE INDEX audit_entry_newest ON audit_entry (tenant_id, created_at DESC, id DESC);
            CREATE INDEX audit_entry_object ON audit_entry (tenant_id, object_type, object_id, created_at DESC);
            CREATE INDEX audit_entry_actor ON audit_entry (tenant_id, actor_id, created_at DESC);
            """,
            reverse_sql="DROP INDEX audit_entry_newest; DROP INDEX audit_entry_object; DROP INDEX audit_entry_actor;",
        ),
    ]
