from tortoise import migrations
from tortoise.migrations import operations as ops
from models.webhooks import DispatchStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields


def _id():
    return ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()')))


def _tenant():
    return ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE))


def _created():
    return ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True))


def _fk(name, model):
    return (name, fields.ForeignKeyField(model, source_field=f'{name}_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE))


class Migration(migrations.Migration):
    """Webhooks: endpoints, the transactional outbox of events, what each endpoint is owed, and attempts."""

    dependencies = [('models', '0024_customer_lifecycle')]

    initial = False

    operations = [
        # The outbox's order of writing, for per-customer delivery order.
        ops.RunSQL("CREATE SEQUENCE webhook_event_seq", reverse_sql="DROP SEQUENCE webhook_event_seq"),
        ops.CreateModel(
            name='Webhook',
            fields=[
                _id(), _tenant(), _created(),
                ('url', fields.TextField(unique=False)),
                ('description', fields.CharField(default='', db_default='', max_length=500)),
                ('events', fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
                ('secret', fields.TextField(unique=False)),
                ('enabled', fields.BooleanField(default=True, db_default=True)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('disabled_reason', fields.TextField(null=True, unique=False)),
                ('failing_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'webhook', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An endpoint the company\'s admins registered.'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='WebhookEvent',
            fields=[
                _id(), _tenant(), _created(),
                ('seq', fields.BigIntField(db_default=SqlDefault("nextval('webhook_event_seq')"))),
                ('type', fields.CharField(max_length=40)),
                ('object_type', fields.CharField(max_length=32)),
                ('object_id', fields.UUIDField()),
                ('order_key', fields.UUIDField()),
                ('details', fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"), encoder=JSON_DUMPS, decoder=loads)),
                ('body', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('fanned_out', fields.BooleanField(default=False, db_default=False)),
            ],
            options={'table': 'webhook_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The transactional outbox: one row per change, written in the change\'s transaction.'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='WebhookDispatch',
            fields=[
                _id(), _tenant(), _created(),
                _fk('webhook', 'models.Webhook'),
                _fk('event', 'models.WebhookEvent'),
                ('seq', fields.BigIntField()),
                ('order_key', fields.UUIDField()),
                ('status', fields.CharEnumField(default=DispatchStatus.PENDING, description='PENDING: pending\nDELIVERED: delivered\nFAILED: failed', db_default='pending', enum_type=DispatchStatus, max_length=16)),
                ('attempts', fields.IntField(default=0, db_default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_failed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_dispatch', 'app': 'models', 'unique_together': (('webhook', 'event'),), 'pk_attr': 'id', 'table_description': 'One event owed to one endpoint.'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                _id(), _tenant(), _created(),
                _fk('webhook', 'models.Webhook'),
                _fk('event', 'models.WebhookEvent'),
                _fk('dispatch', 'models.WebhookDispatch'),
                ('attempt', fields.IntField()),
                ('status_code', fields.IntField(null=True)),
                ('latency_ms', fields.IntField()),
                ('error', fields.TextField(null=True, unique=False)),
                ('succeeded', fields.BooleanField()),
            ],
            options={'table': 'webhook_delivery', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One attempt to deliver an event to an endpoint.'},
            bases=['TenantOwned'],
        ),
        ops.RunSQL(
            """
            ALTER SEQUENCE webhook_event_seq OWNED BY webhook_event.seq;
            CREATE INDEX webhook_tenant ON webhook (tenant_id, created_at);
            CREATE INDEX webhook_event_unfanned ON webhook_event (tenant_id, seq) WHERE NOT fanned_out;
            CREATE INDEX webhook_event_object ON webhook_event (tenant_id, object_id);
            CREATE INDEX webhook_event_age ON webhook_event (tenant_id, created_at);
            CREATE INDEX webhook_dispatch_due ON webhook_dispatch (tenant_id, next_attempt_at) WHERE status = 'pending';
            CREATE INDEX webhook_dispatch_order ON webhook_dispatch (webhook_id, order_key, seq) WHERE status = 'pending';
            CREATE INDEX webhook_dispatch_event ON webhook_dispatch (event_id);
            CREATE INDEX webhook_delivery_newest ON webhook_delivery (tenant_id, webhook_id, created_at DESC, id DESC);
            CREATE INDEX webhook_delivery_dispatch ON webhook_delivery (dispatch_id);
            CREATE INDEX webhook_delivery_event ON webhook_delivery (event_id);
            """,
            reverse_sql="",
        ),
    ]
