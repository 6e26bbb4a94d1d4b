from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Team names are unique per company whatever their case ("Sales" and "sales" are one name).

    Teams that already clash keep their ids and members; all but the oldest get " (2)", " (3)"...
    """

    dependencies = [("models", "0009_instagram_handles_normalized")]

    initial = False

    operations = [
        ops.RunSQL(
            """
            UPDATE team t SET name = left(t.name, 190) || ' (' || d.n || ')'
            FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id, lower(name) ORDER BY created_at, id) AS n
                  FROM team) d
            WHERE d.id = t.id AND d.n > 1;
            CREATE UNIQUE INDEX team_name_ci_uq ON team (tenant_id, lower(name));
            """,
            reverse_sql="DROP INDEX team_name_ci_uq;",
        ),
    ]
