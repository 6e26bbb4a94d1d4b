from tortoise import migrations
from tortoise.migrations import operations as ops

# History entries now record the type of every custom field whose values they carry
# (data.custom_types), so masking no longer depends on a definition that may have been deleted or
# re-created with another type. Older entries get it from the definitions that existed when they
# were written (keys and types never change, so an older definition with the key is that field);
# a key whose definition is gone stays without a type, and is masked as contact data.
FORWARD = """
WITH keyed AS (
    SELECT e.id, array_agg(DISTINCT k.key) AS keys
    FROM customer_event e
    CROSS JOIN LATERAL (
        SELECT jsonb_object_keys(s.side) AS key
        FROM (
            SELECT e.data -> c.name -> 'custom_fields' -> i.n AS side
            FROM (VALUES ('changes'), ('fields')) AS c(name), (VALUES (0), (1)) AS i(n)
        ) s
        WHERE jsonb_typeof(s.side) = 'object'
    ) k
    WHERE NOT e.data ? 'custom_types'
    GROUP BY e.id
)
UPDATE customer_event e
SET data = e.data || jsonb_build_object('custom_types', (
    SELECT coalesce(jsonb_object_agg(f.key, f.type), '{}'::jsonb)
    FROM custom_field f
    WHERE f.tenant_id = e.tenant_id AND f.key = ANY(keyed.keys) AND f.created_at <= e.created_at
))
FROM keyed
WHERE keyed.id = e.id;
"""


class Migration(migrations.Migration):
    """Record in each history entry what masking needs to decide at read time."""

    dependencies = [("models", "0011_neutral_inbound_names")]

    initial = False

    operations = [
        ops.RunSQL(
            FORWARD,
            reverse_sql="UPDATE customer_event SET data = data - 'custom_types' - 'sources' - 'type';",
        ),
    ]
