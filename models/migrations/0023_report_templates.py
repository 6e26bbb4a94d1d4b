from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    """Report templates, and an index for reports grouped by origin channel and status."""

    dependencies = [('models', '0022_audit_contact_keys')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReportTemplate',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=120)),
                ('shared', fields.BooleanField(default=False, db_default=False)),
                ('definition', fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'report_template', 'app': 'models', 'unique_together': (('tenant', 'owner', 'name'),), 'pk_attr': 'id', 'table_description': 'A saved report: its source, groupings, total, subdivision and synonym map (``definition``).'},
            bases=['TenantOwned'],
        ),
        # Reports group the rows in scope by origin channel, status, owner or month: with these in one
        # index (the owner second, for a seller's portfolio) PostgreSQL answers them from the index
        # alone, reading a fraction of the table's pages (bench/reports.py).
        ops.RunSQL(
            """
            CREATE INDEX customer_report_idx ON customer (tenant_id, owner_id, origin_channel, status, created_at)
                WHERE merged_into_id IS NULL;
            """,
            reverse_sql="DROP INDEX customer_report_idx;",
        ),
    ]
