from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """The billing parent's foreign key, indexed: deleting a customer checks that no customer names it
    as billing parent, which without an index reads the whole customer table once per deleted row."""

    dependencies = [('models', '0027_customer_deletion')]

    initial = False

    operations = [
        ops.RunSQL(
            "CREATE INDEX customer_billing_parent_idx ON customer (billing_parent_id) WHERE billing_parent_id IS NOT NULL",
            reverse_sql="DROP INDEX customer_billing_parent_idx",
        ),
    ]
