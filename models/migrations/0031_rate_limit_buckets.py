from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Token buckets for per-key and per-user rate limits (models/rate_limits.py).

    UNLOGGED: a bucket is rewritten on every request and worth nothing after a crash (every
    bucket starts full again), so it skips the write-ahead log. fillfactor 50 leaves room in each
    page for the next version of a row, so the updates stay HOT (no index write, less bloat).
    Under row-level security as every tenant-owned table (a bucket is charged once the caller's
    company is known).
    """

    dependencies = [("models", "0030_tenant_keyed_constraints")]

    initial = False

    operations = [
        ops.RunSQL(
            """
            CREATE UNLOGGED TABLE rate_limit_bucket (
                tenant_id uuid NOT NULL,
                subject text NOT NULL,
                tokens double precision NOT NULL,
                refilled_at timestamptz NOT NULL,
                allowed boolean NOT NULL,
                PRIMARY KEY (tenant_id, subject)
            ) WITH (fillfactor = 50);
            SELECT crm_isolate_by_tenant('rate_limit_bucket');
            """,
            reverse_sql="DROP TABLE rate_limit_bucket;",
        ),
    ]
