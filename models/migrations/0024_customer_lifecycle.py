from tortoise import migrations
from tortoise.migrations import operations as ops
from models.contracts import ContractStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    """Customer lifecycle: contracts, the company's choice of inactivation blockers, and the flag on
    inbound messages that arrived while their customer was inactive."""

    dependencies = [('models', '0023_report_templates')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Contract',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(default=ContractStatus.ACTIVE, description='ACTIVE: active\nPENDING_ADJUSTMENT: pending_adjustment\nENDED: ended', db_default='active', enum_type=ContractStatus, max_length=20)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField(null=True)),
                ('value', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('notes', fields.TextField(default='', db_default='', unique=False)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1, db_default=1)),
            ],
            options={'table': 'contract', 'app': 'models', 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.RunSQL(
            """
            CREATE INDEX contract_customer_idx ON contract (tenant_id, customer_id, created_at DESC, id DESC);
            CREATE INDEX contract_running_idx ON contract (tenant_id, customer_id, status) WHERE status <> 'ended';
            """,
            reverse_sql="DROP INDEX contract_customer_idx; DROP INDEX contract_running_idx;",
        ),
        ops.AddField(
            model_name='Message',
            name='from_inactive_customer',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Tenant',
            name='inactivation_blockers',
            field=fields.JSONField(db_default=SqlDefault('\'["OPEN_CONVERSATIONS", "ACTIVE_CONTRACTS"]\'::jsonb'), encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
