from tortoise import migrations
from tortoise.migrations import operations as ops
from models.imports import ImportMode, ImportStatus, RowAction
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    """Customer imports: the import, its file in chunks, and one record per row."""

    dependencies = [('models', '0014_job_queue')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerImport',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('number', fields.IntField()),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_by_api_key', fields.ForeignKeyField('models.ApiKey', source_field='created_by_api_key_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('file_name', fields.CharField(max_length=255)),
                ('format', fields.CharField(max_length=8)),
                ('size_bytes', fields.BigIntField()),
                ('encoding', fields.CharField(null=True, max_length=32)),
                ('delimiter', fields.CharField(null=True, max_length=4)),
                ('headers', fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
                ('mapping', fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
                ('mode', fields.CharEnumField(default=ImportMode.CREATE_ONLY, description='CREATE_ONLY: create_only\nUPSERT: upsert', db_default='create_only', enum_type=ImportMode, max_length=16)),
                ('status', fields.CharEnumField(default=ImportStatus.UPLOADED, description='UPLOADED: uploaded\nPLANNING: planning\nPLANNED: planned\nQUEUED: queued\nRUNNING: running\nFINISHED: finished\nFAILED: failed\nREVERTING: reverting\nREVERTED: reverted', db_default='uploaded', enum_type=ImportStatus, max_length=16)),
                ('planned_mode', fields.CharField(null=True, max_length=16)),
                ('total', fields.IntField(default=0, db_default=0)),
                ('processed', fields.IntField(default=0, db_default=0)),
                ('created', fields.IntField(default=0, db_default=0)),
                ('updated', fields.IntField(default=0, db_default=0)),
                ('skipped', fields.IntField(default=0, db_default=0)),
                ('failed', fields.IntField(default=0, db_default=0)),
                ('conflicts', fields.IntField(default=0, db_default=0)),
                ('duplicates_in_file', fields.IntField(default=0, db_default=0)),
                ('applied_through', fields.IntField(default=0, db_default=0)),
                ('error_message', fields.TextField(null=True, unique=False)),
                ('revert_report', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reverted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'customer_import', 'app': 'models', 'unique_together': (('tenant', 'number'),), 'pk_attr': 'id', 'table_description': 'One uploaded file and what became of it. ``number`` is the company\'s "import #N".'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='ImportChunk',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer_import', fields.ForeignKeyField('models.CustomerImport', source_field='customer_import_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('seq', fields.IntField()),
                ('data', fields.BinaryField()),
            ],
            options={'table': 'import_chunk', 'app': 'models', 'unique_together': (('tenant', 'customer_import', 'seq'),), 'pk_attr': 'id', 'table_description': 'A slice of the uploaded file, so any worker process can read it back with flat memory.'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='ImportRow',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer_import', fields.ForeignKeyField('models.CustomerImport', source_field='customer_import_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('row_number', fields.IntField()),
                ('action', fields.CharEnumField(description='CREATE: create\nUPDATE: update\nSKIP: skip\nDUPLICATE_IN_FILE: duplicate_in_file\nCONFLICT: conflict\nERROR: error', enum_type=RowAction, max_length=20)),
                ('errors', fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
                ('cells', fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
                ('customer_id', fields.UUIDField(null=True)),
                ('before', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('version_after', fields.IntField(null=True)),
                ('applied', fields.BooleanField(default=False, db_default=False)),
            ],
            options={'table': 'import_row', 'app': 'models', 'unique_together': (('tenant', 'customer_import', 'row_number'),), 'pk_attr': 'id', 'table_description': 'What the plan or the run decided for one row of the file.'},
            bases=['TenantOwned'],
        ),
        # File chunks are already compressed or incompressible often enough: store them as they are.
        ops.RunSQL("ALTER TABLE import_chunk ALTER COLUMN data SET STORAGE EXTERNAL"),
    ]
