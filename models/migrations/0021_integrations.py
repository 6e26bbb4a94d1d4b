from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    """Customers' ids in other systems, and the answers of idempotent mutation requests."""

    dependencies = [('models', '0020_audit_log')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerExternalId',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('source', fields.CharField(max_length=64)),
                ('external_id', fields.CharField(max_length=255)),
            ],
            options={'table': 'customer_external_id', 'app': 'models', 'unique_together': (('tenant', 'source', 'external_id'),), 'pk_attr': 'id', 'table_description': "A customer's id in another system."},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('key', fields.CharField(max_length=255)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('status', fields.SmallIntField()),
                ('media_type', fields.CharField(max_length=100)),
                ('body', fields.BinaryField()),
                ('expires_at', fields.DatetimeField()),
            ],
            options={'table': 'idempotency_key', 'app': 'models', 'unique_together': (('tenant', 'key'),), 'pk_attr': 'id', 'table_description': 'The answer given to a mutation request sent with an Idempotency-Key header.'},
            bases=['TenantOwned'],
        ),
        ops.RunSQL(
            """
            CREATE INDEX customer_external_id_customer ON customer_external_id (customer_id);
            CREATE INDEX idempotency_key_expiry ON idempotency_key (tenant_id, expires_at);
            """,
            reverse_sql="DROP INDEX customer_external_id_customer; DROP INDEX idempotency_key_expiry;",
        ),
    ]
