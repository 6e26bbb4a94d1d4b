from tortoise import migrations
from tortoise.migrations import operations as ops

# Customers created from an inbound message used to be named after the sender's address, which
# then showed through the name to callers from whom contact data is hidden. Rename exactly those
# whose name is one of their own addresses (phone, WhatsApp, email, as typed or normalized, or the
# handle of one of their conversations) the way new ones are named: "WhatsApp contact 4 Dec 2026",
# after the channel they came from and the day they were created. Their creation entry in the
# history, and a merge's snapshot of them, get the new name too, so no copy of the address stays.
RENAME = """
WITH named_after_address AS (
    SELECT c.id, c.tenant_id, c.name AS old_name, c.search_text,
           CASE c.origin_channel
               WHEN 'whatsapp' THEN 'WhatsApp' WHEN 'instagram' THEN 'Instagram' WHEN 'email' THEN 'Email'
               WHEN 'webchat' THEN 'Webchat' WHEN 'phone' THEN 'Phone' WHEN 'sms' THEN 'SMS'
               WHEN 'facebook' THEN 'Facebook' ELSE 'New'
           END || ' contact ' || to_char(c.created_at AT TIME ZONE 'UTC', 'FMDD') || ' '
               || (ARRAY['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'])[
                      extract(month FROM c.created_at AT TIME ZONE 'UTC')::int]
               || ' ' || to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY') AS new_name
    FROM customer c
    WHERE lower(c.name) IN (lower(c.phone), lower(c.phone_e164), lower(c.whatsapp), lower(c.whatsapp_e164),
                            lower(c.email), lower(c.email_normalized))
       OR EXISTS (SELECT 1 FROM conversation v WHERE v.tenant_id = c.tenant_id AND v.customer_id = c.id
                  AND v.handle <> '' AND ltrim(lower(v.handle), '@') = ltrim(lower(c.name), '@'))
),
history AS (
    UPDATE customer_event e
    SET data = jsonb_set(e.data, '{fields,name}', jsonb_build_array(e.data #> '{fields,name,0}', to_jsonb(r.new_name)))
    FROM named_after_address r
    WHERE e.tenant_id = r.tenant_id AND e.customer_id = r.id AND e.kind = 'created'
      AND e.data #>> '{fields,name,1}' = r.old_name
),
snapshots AS (
    UPDATE customer_merge m
    SET snapshot = jsonb_set(m.snapshot, '{primary,name}', to_jsonb(r.new_name))
    FROM named_after_address r
    WHERE m.tenant_id = r.tenant_id AND m.primary_id = r.id AND m.snapshot #>> '{primary,name}' = r.old_name
)
UPDATE customer c
SET name = r.new_name,
    -- the search text is the folded name, then the folded trade name: keep the second part
    search_text = lower(r.new_name) || CASE
        WHEN left(r.search_text, length(lower(r.old_name))) = lower(r.old_name)
            THEN substr(r.search_text, length(lower(r.old_name)) + 1)
        ELSE coalesce(' ' || nullif(lower(c.trade_name), ''), '')
    END
FROM named_after_address r
WHERE c.id = r.id AND c.tenant_id = r.tenant_id;
"""


class Migration(migrations.Migration):
    dependencies = [("models", "0010_team_names_unique_ignoring_case")]

    initial = False

    operations = [ops.RunSQL(RENAME, reverse_sql="SELECT 1;")]
