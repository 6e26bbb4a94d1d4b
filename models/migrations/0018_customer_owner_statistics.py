from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Tell PostgreSQL that a customer's owner decides its tenant.

    A seller's list reads ``tenant_id = $1 AND owner_id = $2``. Without this, a generic plan of
    it multiplies the two selectivities as if independent, guesses a few hundred rows for a
    portfolio of thousands, and so costs reading the first page higher than the custom plans do:
    PostgreSQL then never keeps the generic plan and plans the statement afresh on every request
    (as long again as running it). The functional dependency makes the generic estimate the
    owner's share of the table, close to the custom ones. ANALYZE fills it in at once.
    """

    dependencies = [("models", "0017_import_keys")]

    initial = False

    operations = [
        ops.RunSQL(
            """
            CREATE STATISTICS customer_tenant_owner_stats (dependencies) ON tenant_id, owner_id FROM customer;
            ANALYZE customer;
            """,
            reverse_sql="DROP STATISTICS customer_tenant_owner_stats;",
        ),
    ]
