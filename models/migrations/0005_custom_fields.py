from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.custom_fields import CustomFieldType
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_search_and_sort_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomField',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('key', fields.CharField(max_length=63)),
                ('label', fields.CharField(max_length=200)),
                ('type', fields.CharEnumField(description='TEXT: text\nLONG_TEXT: long_text\nNUMBER: number\nDECIMAL: decimal\nDATE: date\nBOOLEAN: boolean\nSELECT: select\nMULTI_SELECT: multi_select\nURL: url\nEMAIL: email\nPHONE: phone', enum_type=CustomFieldType, max_length=16)),
                ('options', fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"), encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('required', fields.BooleanField(default=False, db_default=False)),
                ('position', fields.IntField(default=0, db_default=0)),
                ('archived', fields.BooleanField(default=False, db_default=False)),
                ('version', fields.IntField(default=1, db_default=1)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'custom_field', 'app': 'models', 'unique_together': (('tenant', 'key'),), 'pk_attr': 'id', 'table_description': "A field an admin defined for the tenant's customers; values live in ``customer.custom_fields``"},
            bases=['TenantOwned'],
        ),
        ops.AddField(
            model_name='Tenant',
            name='required_fields',
            field=fields.JSONField(db_default=SqlDefault('\'["name"]\'::jsonb'), encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.RunSQL(
            """
            -- Custom-value filters compile equality, one-of, boolean and option conditions to
            -- `custom_fields @> '{"key": value}'`, which this index answers; jsonb_path_ops is
            -- smaller and faster than the default opclass for containment. Ranges cannot use it
            -- (see resolvers/customer_filters.py).
            CREATE INDEX customer_custom_fields_gin ON customer USING gin (custom_fields jsonb_path_ops);
            """,
            reverse_sql="DROP INDEX customer_custom_fields_gin;",
        ),
    ]
