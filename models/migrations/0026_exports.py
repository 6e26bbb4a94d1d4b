from tortoise import migrations
from tortoise.migrations import operations as ops
from models.exports import ExportFormat, ExportStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    """Customer exports: the export and its file in chunks."""

    dependencies = [('models', '0025_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerExport',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_by_api_key', fields.ForeignKeyField('models.ApiKey', source_field='created_by_api_key_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('format', fields.CharEnumField(description='CSV: csv\nXLSX: xlsx\nJSON: json', enum_type=ExportFormat, max_length=8)),
                ('status', fields.CharEnumField(description='READY: ready\nQUEUED: queued\nRUNNING: running\nFINISHED: finished\nFAILED: failed\nEXPIRED: expired', enum_type=ExportStatus, max_length=16)),
                ('arguments', fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
                ('row_count', fields.BigIntField(null=True)),
                ('size_bytes', fields.BigIntField(null=True)),
                ('error', fields.TextField(null=True, unique=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'customer_export', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One export of the customer list, as its creator asked for it.'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='ExportChunk',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer_export', fields.ForeignKeyField('models.CustomerExport', source_field='customer_export_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('seq', fields.IntField()),
                ('data', fields.BinaryField()),
            ],
            options={'table': 'export_chunk', 'app': 'models', 'unique_together': (('tenant', 'customer_export', 'seq'),), 'pk_attr': 'id', 'table_description': "A slice of a finished export's file: any API process streams it back one chunk at a time."},
            bases=['TenantOwned'],
        ),
        # Compressed (xlsx) or read once: stored as they are. Expired exports are found by time.
        ops.RunSQL(
            """
            ALTER TABLE export_chunk ALTER COLUMN data SET STORAGE EXTERNAL;
            CREATE INDEX customer_export_expiry ON customer_export (expires_at) WHERE status <> 'expired';
            CREATE INDEX customer_export_creator ON customer_export (tenant_id, created_by_id, created_at DESC);
            """,
            reverse_sql="DROP INDEX customer_export_expiry; DROP INDEX customer_export_creator;",
        ),
    ]
