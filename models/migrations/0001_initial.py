from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.base import Role
from models.customers import CustomerStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import Now, SqlDefault
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Tenant',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('slug', fields.CharField(unique=True, max_length=63)),
                ('name', fields.CharField(max_length=200)),
                ('default_region', fields.CharField(default='BR', db_default='BR', max_length=2)),
                ('allow_duplicates', fields.BooleanField(default=False, db_default=False)),
                ('restricted_visibility', fields.BooleanField(default=True, db_default=True)),
                ('hide_contact_from_sellers', fields.BooleanField(default=False, db_default=False)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tenant', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A company using the CRM; its settings live in typed columns.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tag',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('name', fields.CharField(max_length=80)),
                ('name_key', fields.CharField(max_length=80)),
                ('color', fields.CharField(null=True, max_length=16)),
            ],
            options={'table': 'tag', 'app': 'models', 'unique_together': (('tenant', 'name_key'),), 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='Team',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('name', fields.CharField(max_length=200)),
            ],
            options={'table': 'team', 'app': 'models', 'unique_together': (('tenant', 'name'),), 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('email', fields.CharField(max_length=254)),
                ('name', fields.CharField(max_length=200)),
                ('role', fields.CharEnumField(description='ADMIN: admin\nSUPERVISOR: supervisor\nSELLER: seller', enum_type=Role, max_length=16)),
                ('is_active', fields.BooleanField(default=True, db_default=True)),
            ],
            options={'table': 'app_user', 'app': 'models', 'unique_together': (('tenant', 'email'),), 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('name', fields.CharField(max_length=200)),
                ('role', fields.CharEnumField(description='ADMIN: admin\nSUPERVISOR: supervisor\nSELLER: seller', enum_type=Role, max_length=16)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('secret_hash', fields.CharField(max_length=64)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_key', 'app': 'models', 'pk_attr': 'id', 'table_description': "An integration's credential. Only a SHA-256 of the secret is kept: the secret is random"},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('name', fields.CharField(max_length=200)),
                ('trade_name', fields.CharField(null=True, max_length=200)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('email_normalized', fields.CharField(null=True, max_length=254)),
                ('phone', fields.CharField(null=True, max_length=40)),
                ('phone_e164', fields.CharField(null=True, max_length=20)),
                ('whatsapp', fields.CharField(null=True, max_length=40)),
                ('whatsapp_e164', fields.CharField(null=True, max_length=20)),
                ('document', fields.CharField(null=True, max_length=14)),
                ('address_street', fields.CharField(null=True, max_length=200)),
                ('address_number', fields.CharField(null=True, max_length=20)),
                ('address_complement', fields.CharField(null=True, max_length=100)),
                ('address_neighbourhood', fields.CharField(null=True, max_length=100)),
                ('address_city', fields.CharField(null=True, max_length=100)),
                ('address_state', fields.CharField(null=True, max_length=50)),
                ('address_postal_code', fields.CharField(null=True, max_length=20)),
                ('address_country', fields.CharField(null=True, max_length=2)),
                ('status', fields.CharEnumField(default=CustomerStatus.ACTIVE, description='ACTIVE: active\nINACTIVE: inactive', db_default='active', enum_type=CustomerStatus, max_length=16)),
                ('origin_channel', fields.CharField(default='manual', db_default='manual', max_length=32)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('billing_parent', fields.ForeignKeyField('models.Customer', source_field='billing_parent_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('custom_fields', fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"), encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(db_default=Now(), auto_now=True, auto_now_add=False)),
                ('last_interaction_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_contacted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1, db_default=1)),
                ('search_text', fields.TextField(default='', db_default='', unique=False)),
            ],
            options={'table': 'customer', 'app': 'models', 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='CustomerTag',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('models.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'customer_tag', 'app': 'models', 'unique_together': (('tenant', 'customer', 'tag'),), 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='CustomerTeam',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'customer_team', 'app': 'models', 'unique_together': (('tenant', 'customer', 'team'),), 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        ops.CreateModel(
            name='TeamMembership',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, db_default=SqlDefault('gen_random_uuid()'))),
                ('tenant', fields.ForeignKeyField('models.Tenant', source_field='tenant_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(db_default=Now(), auto_now=False, auto_now_add=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'team_membership', 'app': 'models', 'unique_together': (('tenant', 'team', 'user'),), 'pk_attr': 'id'},
            bases=['TenantOwned'],
        ),
        # Search and matching need these; CI's PostgreSQL 15 and the embedded 18 both ship them.
        ops.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS unaccent;",
            reverse_sql="SELECT 1",
        ),
        ops.RunSQL(
            """
            CREATE INDEX customer_tenant_owner_idx ON customer (tenant_id, owner_id);
            CREATE INDEX customer_tenant_created_idx ON customer (tenant_id, created_at, id);
            CREATE INDEX team_membership_user_idx ON team_membership (tenant_id, user_id);
            CREATE INDEX customer_team_team_idx ON customer_team (tenant_id, team_id, customer_id);
            """,
            reverse_sql="""
            DROP INDEX customer_tenant_owner_idx; DROP INDEX customer_tenant_created_idx;
            DROP INDEX team_membership_user_idx; DROP INDEX customer_team_team_idx;
            """,
        ),
    ]
