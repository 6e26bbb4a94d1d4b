from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Brazilian phone keys fold the ninth digit only for mobiles whose old 8-digit form began 6-9.

    Numbers +55 DD 9 2-5... used to share a key with the landline +55 DD 2-5...; they get their own
    key (their E.164). No one held such a key before, so nothing new can collide: a customer only
    stops matching the landline it was wrongly matched with.
    """

    dependencies = [("models", "0007_portfolio_list_index")]

    initial = False

    operations = [
        ops.RunSQL(
            r"""
            INSERT INTO customer_contact_key (tenant_id, customer_id, kind, value, exclusive)
            SELECT DISTINCT k.tenant_id, k.customer_id, 'phone', n.e164, k.exclusive
            FROM customer_contact_key k
            JOIN customer c ON c.id = k.customer_id
            CROSS JOIN LATERAL (VALUES (c.phone_e164), (c.whatsapp_e164)) AS n(e164)
            WHERE k.kind = 'phone' AND n.e164 ~ '^\+55[0-9]{2}9[2-5][0-9]{7}$'
              AND k.value = substr(n.e164, 1, 5) || substr(n.e164, 7)
            ON CONFLICT DO NOTHING;
            DELETE FROM customer_contact_key k USING customer c
            WHERE c.id = k.customer_id AND k.kind = 'phone' AND k.value ~ '^\+55[0-9]{2}[2-5][0-9]{7}$'
              AND k.value IS DISTINCT FROM c.phone_e164 AND k.value IS DISTINCT FROM c.whatsapp_e164;
            """,
            reverse_sql=r"""
            UPDATE customer_contact_key SET value = substr(value, 1, 5) || substr(value, 7)
            WHERE kind = 'phone' AND value ~ '^\+55[0-9]{2}9[2-5][0-9]{7}$'
              AND NOT EXISTS (SELECT 1 FROM customer_contact_key o WHERE o.tenant_id = customer_contact_key.tenant_id
                AND o.customer_id = customer_contact_key.customer_id AND o.kind = 'phone'
                AND o.value = substr(customer_contact_key.value, 1, 5) || substr(customer_contact_key.value, 7));
            """,
        ),
    ]
