from tortoise import migrations
from tortoise.migrations import operations as ops
from models.activities import TaskPriority, TaskStatus
from models.conversations import Channel, ConversationStatus, DeliveryStatus, Direction
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_duplicates_merges_history')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Appointment',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('with_user', fields.ForeignKeyField('models.User', source_field='with_user_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('location', fields.CharField(default='', db_default='', max_length=200)),
                ('notes', fields.TextField(default='', db_default='', unique=False)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'appointment', 'app': 'models', 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='Conversation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='WHATSAPP: whatsapp\nINSTAGRAM: instagram\nEMAIL: email\nWEBCHAT: webchat\nPHONE: phone\nSMS: sms', enum_type=Channel, max_length=16)),
                ('handle', fields.CharField(default='', db_default='', max_length=254)),
                ('status', fields.CharEnumField(default=ConversationStatus.OPEN, description='OPEN: open\nCLOSED: closed', db_default='open', enum_type=ConversationStatus, max_length=8)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('started_by', fields.ForeignKeyField('models.User', source_field='started_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('last_message_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversation', 'app': 'models', 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='MessageTemplate',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('name', fields.CharField(max_length=120)),
                ('body', fields.TextField(unique=False)),
                ('channel', fields.CharEnumField(null=True, description='WHATSAPP: whatsapp\nINSTAGRAM: instagram\nEMAIL: email\nWEBCHAT: webchat\nPHONE: phone\nSMS: sms', enum_type=Channel, max_length=16)),
                ('archived', fields.BooleanField(default=False, db_default=False)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'message_template', 'app': 'models', 'unique_together': (('tenant', 'name'),), 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='WHATSAPP: whatsapp\nINSTAGRAM: instagram\nEMAIL: email\nWEBCHAT: webchat\nPHONE: phone\nSMS: sms', enum_type=Channel, max_length=16)),
                ('direction', fields.CharEnumField(description='INBOUND: inbound\nOUTBOUND: outbound', enum_type=Direction, max_length=8)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('body', fields.TextField(unique=False)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(description='RECEIVED: received\nQUEUED: queued\nSENT: sent\nFAILED: failed', enum_type=DeliveryStatus, max_length=8)),
                ('channel_message_id', fields.CharField(null=True, max_length=200)),
                ('template', fields.ForeignKeyField('models.MessageTemplate', source_field='template_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'message', 'app': 'models', 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='Note',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('author_name', fields.CharField(default='', db_default='', max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'note', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Internal to the company: never shown to the customer.'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='Purchase',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('amount', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('currency', fields.CharField(max_length=3)),
                ('description', fields.CharField(default='', db_default='', max_length=500)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('external_id', fields.CharField(null=True, max_length=120)),
                ('source', fields.CharField(default='', db_default='', max_length=60)),
            ],
            options={'table': 'purchase', 'app': 'models', 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='Task',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', db_default='', unique=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('responsible', fields.ForeignKeyField('models.User', source_field='responsible_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('priority', fields.CharEnumField(default=TaskPriority.NORMAL, description='LOW: low\nNORMAL: normal\nHIGH: high\nURGENT: urgent', db_default='normal', enum_type=TaskPriority, max_length=8)),
                ('status', fields.CharEnumField(default=TaskStatus.OPEN, description='OPEN: open\nDONE: done\nCANCELED: canceled', db_default='open', enum_type=TaskStatus, max_length=8)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'task', 'app': 'models', 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.AddField(
            model_name='User',
            name='can_start_conversations',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.RunSQL(
            """
            CREATE INDEX note_customer_idx ON note (tenant_id, customer_id, created_at DESC, id DESC);
            CREATE INDEX task_customer_idx ON task (tenant_id, customer_id, status, due_at);
            CREATE INDEX task_responsible_idx ON task (tenant_id, responsible_id, status, due_at);
            CREATE INDEX conversation_customer_idx
                ON conversation (tenant_id, customer_id, last_message_at DESC NULLS LAST, id DESC);
            CREATE INDEX conversation_handle_idx ON conversation (tenant_id, channel, handle) WHERE status = 'open';
            CREATE INDEX message_conversation_idx ON message (tenant_id, conversation_id, sent_at DESC, id DESC);
            -- A channel delivering the same message twice stores it once.
            CREATE UNIQUE INDEX message_channel_id_uq ON message (tenant_id, channel, channel_message_id)
                WHERE channel_message_id IS NOT NULL;
            CREATE INDEX appointment_customer_idx ON appointment (tenant_id, customer_id, starts_at DESC, id DESC);
            CREATE INDEX purchase_customer_idx ON purchase (tenant_id, customer_id, occurred_at DESC, id DESC);
            CREATE UNIQUE INDEX purchase_external_id_uq ON purchase (tenant_id, external_id)
                WHERE external_id IS NOT NULL;
            """,
            reverse_sql="""
            DROP INDEX note_customer_idx; DROP INDEX task_customer_idx; DROP INDEX task_responsible_idx;
            DROP INDEX conversation_customer_idx; DROP INDEX conversation_handle_idx;
            DROP INDEX message_conversation_idx; DROP INDEX message_channel_id_uq;
            DROP INDEX appointment_customer_idx; DROP INDEX purchase_customer_idx;
            DROP INDEX purchase_external_id_uq;
            """,
        ),
    ]
