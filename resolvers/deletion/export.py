"""The data-subject export (LGPD art. 18, GDPR art. 15): everything held about one customer, as one
JSON document built by PostgreSQL in one statement.

Its ``records`` hold, for every table the catalogue finds naming the customer, that table's rows
(each with the rows one level further, such as a conversation's messages), so a table added later
is exported without a change here.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.errors import Forbidden
from authz.masking import contact_hidden
from authz.rows import rows_for
from models.db import fetchval, in_transaction
from models.sql import Sql, join
from resolvers.audit import record_audit
from resolvers.deletion.catalogue import Catalogue, Link, read_catalogue
from resolvers.errors import NotFound

_ROWS = "coalesce(jsonb_agg({row} ORDER BY {t}.created_at, {t}.id), '[]'::jsonb)"


def _table(link: Link) -> Sql:
    """The rows of ``link.table`` naming a customer of ``mine`` (the customer and those merged into it)."""
    row = "to_jsonb(x)"
    for child in link.children:
        row += (
            f" || jsonb_build_object('{child.table}', (SELECT "
            + _ROWS.format(row="to_jsonb(y)", t="y")
            + f" FROM {child.table} y WHERE y.{child.column} = x.id AND y.tenant_id = x.tenant_id))"
        )
    return Sql(
        f"'{link.table}', (SELECT "
        + _ROWS.format(row=row, t="x")
        + f" FROM {link.table} x WHERE x.tenant_id = c.tenant_id AND x.{link.column} = ANY(mine.ids))"
    )


def document_query(catalogue: Catalogue, access: Access, customer_id: UUID) -> Sql:
    records = join(", ", [_table(link) for link in catalogue.links])
    return (
        Sql(
            "SELECT jsonb_build_object("
            "'customer', to_jsonb(c) - 'search_text' - 'released_keys', "
            "'mergedCustomers', (SELECT coalesce(jsonb_agg(to_jsonb(m) - 'search_text' ORDER BY m.merged_at, m.id), "
            "'[]'::jsonb) FROM customer m WHERE m.tenant_id = c.tenant_id AND m.merged_into_id = c.id), "
            "'customFields', (SELECT coalesce(jsonb_agg(jsonb_build_object('key', f.key, 'label', f.label, "
            "'type', f.type, 'value', c.custom_fields -> f.key) ORDER BY f.position, f.key), '[]'::jsonb) "
            "FROM custom_field f WHERE f.tenant_id = c.tenant_id AND c.custom_fields ? f.key), "
            "'tags', (SELECT coalesce(jsonb_agg(t.name ORDER BY t.name_key), '[]'::jsonb) FROM customer_tag ct "
            "JOIN tag t ON t.id = ct.tag_id WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id), "
            "'portfolio', (SELECT jsonb_build_object('ownerId', u.id, 'ownerName', u.name) FROM app_user u "
            "WHERE u.id = c.owner_id AND u.tenant_id = c.tenant_id), "
            "'teams', (SELECT coalesce(jsonb_agg(jsonb_build_object('teamId', tm.id, 'name', tm.name) ORDER BY tm.name), "
            "'[]'::jsonb) FROM customer_team ct JOIN team tm ON tm.id = ct.team_id "
            "WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id), "
            "'records', jsonb_build_object("
        )
        + records
        + Sql(
            ")) FROM customer c CROSS JOIN LATERAL (SELECT array_agg(m.id) AS ids FROM customer m "
            "WHERE m.tenant_id = c.tenant_id AND (m.id = c.id OR m.merged_into_id = c.id)) mine WHERE c.id = %s AND ",
            customer_id,
        )
        + rows_for(access, "Customer", P.CUSTOMER_DATA_EXPORT, "c")
    )


async def customer_data_export(access: Access, customer_id: UUID) -> dict[str, Any]:
    """Everything held about the customer; recorded in the audit log. Contact data is in it, so a
    caller from whom the company hides contact data is refused."""
    access.require(P.CUSTOMER_DATA_EXPORT)
    if contact_hidden(access):
        raise Forbidden(P.CUSTOMER_VIEW_CONTACT.refusal("this customer"))
    catalogue = await read_catalogue()
    async with in_transaction():
        document = await fetchval(document_query(catalogue, access, customer_id))
        if document is None:
            raise NotFound("Customer", str(customer_id))
        await record_audit(access, "customer.data_export", "Customer", customer_id, details={})
    result: dict[str, Any] = json.loads(document) if isinstance(document, str) else document
    return result
