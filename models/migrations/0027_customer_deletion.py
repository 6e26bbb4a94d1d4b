from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    """Deleting customers: the soft-delete columns, and requests waiting for their confirmation code."""

    dependencies = [('models', '0026_exports')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Customer',
            name='deleted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='purge_after',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='deleted_by',
            field=fields.ForeignKeyField('models.User', source_field='deleted_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Customer',
            name='released_keys',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.CreateModel(
            name='CustomerDeletionRequest',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('requested_by', fields.ForeignKeyField('models.User', source_field='requested_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('customer_ids', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('code_hash', fields.CharField(max_length=200)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('tries_left', fields.IntField()),
            ],
            options={'table': 'customer_deletion_request', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Which customers an admin asked to delete, and the code (hashed) that confirms it.'},
            bases=['TenantOwned'],
        ),
        ops.RunSQL(
            """
            -- The purge finds the customers whose time has come.
            CREATE INDEX customer_purge_due_idx ON customer (tenant_id, purge_after) WHERE deleted_at IS NOT NULL;
            """,
            reverse_sql="DROP INDEX customer_purge_due_idx;",
        ),
    ]
