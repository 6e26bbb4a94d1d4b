from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Later segments of a relevance search, planned only when they run.

    PostgreSQL plans every branch of a statement before running any, about half a millisecond
    per segment against the customer table's indexes, although the first segments (exact name,
    then names starting with the text) usually fill the page. The compiled read path hands the
    later segments to this function, which plans and runs them one after the other (each with
    its parameters known, so a rare word still finds the trigram index) and stops once it holds
    ``wanted`` rows. The statement never calls it when the first segments fill the page.
    """

    dependencies = [("models", "0014_job_queue")]

    initial = False

    operations = [
        ops.RunSQL(
            r"""
            CREATE FUNCTION crm_segment_rows(queries text[], args jsonb, wanted integer)
                RETURNS TABLE (found customer, seg integer, pos bigint)
                LANGUAGE plpgsql STABLE AS $$
            DECLARE
                query text;
                added bigint;
                held bigint := 0;
            BEGIN
                FOREACH query IN ARRAY queries LOOP
                    RETURN QUERY EXECUTE query USING args;
                    GET DIAGNOSTICS added = ROW_COUNT;
                    held := held + added;
                    EXIT WHEN held >= wanted;
                END LOOP;
            END
            $$;
            """,
            reverse_sql="DROP FUNCTION crm_segment_rows(text[], jsonb, integer);",
        )
    ]
