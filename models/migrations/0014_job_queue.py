from pgqueuer.adapters.persistence import schema_ddl
from pgqueuer.domain.settings import db_settings
from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """The background-job queue: pgqueuer's own tables, status type, indexes and NOTIFY trigger.

    The DDL is rendered by the pinned pgqueuer (the same statements `pgq install` runs), so the
    schema is exactly the one the library's queries expect. Bumping pgqueuer needs a migration that
    applies its upgrade plan (`Queries.apply_upgrade`, what `pgq upgrade` runs) to existing databases.
    """

    dependencies = [("models", "0013_sort_columns")]

    initial = False

    operations = [
        ops.RunSQL(
            schema_ddl.render_install(db_settings(), create_schema=False),
            reverse_sql=schema_ddl.render_uninstall(db_settings()),
        ),
    ]
