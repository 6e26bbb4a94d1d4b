from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Indexes for quick search and sorted lists at a million customers per tenant.

    Partial indexes carry ``merged_into_id IS NULL``, the condition every list adds.
    """

    dependencies = [("models", "0003_profile_records")]

    initial = False

    operations = [
        ops.RunSQL(
            """
            -- name order, and name prefixes as a range on the C-collated folded name
            CREATE INDEX customer_name_idx ON customer (tenant_id, (search_text COLLATE "C"), id)
                WHERE merged_into_id IS NULL;
            -- names containing words (LIKE '%word%') when another order is asked for
            CREATE INDEX customer_search_trgm_idx ON customer USING gin (search_text gin_trgm_ops);
            -- finer statistics on names: the planner picks between walking an order's index and
            -- the trigram index from how many names a pattern matches
            ALTER TABLE customer ALTER COLUMN search_text SET STATISTICS 1000;
            -- partial emails and phone digits; exact phones
            CREATE INDEX customer_email_trgm_idx ON customer USING gin (email_normalized gin_trgm_ops);
            CREATE INDEX customer_phone_trgm_idx ON customer USING gin (phone_e164 gin_trgm_ops);
            CREATE INDEX customer_whatsapp_trgm_idx ON customer USING gin (whatsapp_e164 gin_trgm_ops);
            CREATE INDEX customer_phone_idx ON customer (tenant_id, phone_e164) WHERE phone_e164 IS NOT NULL;
            CREATE INDEX customer_whatsapp_idx ON customer (tenant_id, whatsapp_e164) WHERE whatsapp_e164 IS NOT NULL;
            CREATE INDEX customer_document_idx ON customer (tenant_id, (document COLLATE "C"))
                WHERE document IS NOT NULL;
            -- the other sorted lists
            CREATE INDEX customer_interaction_idx
                ON customer (tenant_id, (coalesce(last_interaction_at, '-infinity'::timestamptz)), id)
                WHERE merged_into_id IS NULL;
            CREATE INDEX customer_contacted_idx
                ON customer (tenant_id, (coalesce(last_contacted_at, '-infinity'::timestamptz)), id)
                WHERE merged_into_id IS NULL;
            CREATE INDEX customer_status_idx ON customer (tenant_id, status, id) WHERE merged_into_id IS NULL;
            CREATE INDEX customer_live_created_idx ON customer (tenant_id, created_at, id)
                WHERE merged_into_id IS NULL;
            CREATE INDEX tag_name_idx ON tag (tenant_id, name_key text_pattern_ops);
            """,
            reverse_sql="""
            DROP INDEX customer_name_idx; DROP INDEX customer_search_trgm_idx;
            ALTER TABLE customer ALTER COLUMN search_text SET STATISTICS -1;
            DROP INDEX customer_email_trgm_idx; DROP INDEX customer_phone_trgm_idx;
            DROP INDEX customer_whatsapp_trgm_idx; DROP INDEX customer_phone_idx; DROP INDEX customer_whatsapp_idx;
            DROP INDEX customer_document_idx; DROP INDEX customer_interaction_idx; DROP INDEX customer_contacted_idx;
            DROP INDEX customer_status_idx; DROP INDEX customer_live_created_idx; DROP INDEX tag_name_idx;
            """,
        ),
    ]
