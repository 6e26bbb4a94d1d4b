from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    """The keys of an import's rows so far, for duplicates in the file (was the worker's memory)."""

    dependencies = [('models', '0016_search_later_segments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportKey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer_import', fields.ForeignKeyField('models.CustomerImport', source_field='customer_import_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=8)),
                ('value', fields.CharField(max_length=254)),
                ('row_number', fields.IntField()),
            ],
            options={'table': 'import_key', 'app': 'models', 'unique_together': (('tenant', 'customer_import', 'kind', 'value'),), 'pk_attr': 'id', 'table_description': 'A contact key (or a matched customer) of a row already decided in this import\'s current pass.'},
            bases=['TenantOwned'],
        ),
    ]
