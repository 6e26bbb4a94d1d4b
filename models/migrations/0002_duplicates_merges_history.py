from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ContactKey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=8)),
                ('value', fields.CharField(max_length=254)),
                ('exclusive', fields.BooleanField(default=True, db_default=True)),
            ],
            options={'table': 'customer_contact_key', 'app': 'models', 'unique_together': (('tenant', 'customer', 'kind', 'value'),), 'pk_attr': 'id', 'table_description': 'A normalized contact value of a customer, for race-free duplicate detection.'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='CustomerEvent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=32)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('actor_api_key', fields.ForeignKeyField('models.ApiKey', source_field='actor_api_key_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('actor_name', fields.CharField(default='', db_default='', max_length=200)),
                ('data', fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"), encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'customer_event', 'app': 'models', 'pk_attr': 'id', 'table_description': "One entry of a customer's history: who changed what, and when."},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='CustomerMerge',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('primary', fields.ForeignKeyField('models.Customer', source_field='primary_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('duplicate_ids', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('performed_by', fields.ForeignKeyField('models.User', source_field='performed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('primary_version_after', fields.IntField()),
                ('snapshot', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('undone_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('undone_by', fields.ForeignKeyField('models.User', source_field='undone_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'customer_merge', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A merge, with what undoing it needs: the rows as they were and what moved where.'},
            bases=['TenantOwned'],
        ),
        ops.AddField(
            model_name='Customer',
            name='merged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Customer',
            name='merged_into',
            field=fields.ForeignKeyField('models.Customer', source_field='merged_into_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.RunSQL(
            """
            -- The database decides that two live customers share a contact value.
            CREATE UNIQUE INDEX customer_contact_key_exclusive_uq
                ON customer_contact_key (tenant_id, kind, value) WHERE exclusive;
            CREATE INDEX customer_contact_key_lookup_idx ON customer_contact_key (tenant_id, kind, value);
            CREATE INDEX customer_event_timeline_idx
                ON customer_event (tenant_id, customer_id, created_at DESC, id DESC);
            CREATE INDEX customer_merge_primary_idx ON customer_merge (tenant_id, primary_id);
            CREATE INDEX customer_merged_into_idx ON customer (merged_into_id) WHERE merged_into_id IS NOT NULL;
            """,
            reverse_sql="""
            DROP INDEX customer_contact_key_exclusive_uq; DROP INDEX customer_contact_key_lookup_idx;
            DROP INDEX customer_event_timeline_idx; DROP INDEX customer_merge_primary_idx;
            DROP INDEX customer_merged_into_idx;
            """,
        ),
    ]
