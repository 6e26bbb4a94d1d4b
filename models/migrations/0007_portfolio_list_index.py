from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """A seller's own customers newest first: the list a seller opens most, and the one every
    further filter of theirs walks."""

    dependencies = [("models", "0006_saved_filters")]

    initial = False

    operations = [
        ops.RunSQL(
            """
            CREATE INDEX customer_owner_created_idx ON customer (tenant_id, owner_id, created_at, id)
                WHERE merged_into_id IS NULL;
            """,
            reverse_sql="DROP INDEX customer_owner_created_idx;",
        ),
    ]
