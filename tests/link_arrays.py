"""Whether customer rows carry exactly the tag and team ids their links hold (migration 0033)."""

from __future__ import annotations

from uuid import UUID

from models.db import fetch
from models.sql import Sql

# Customers (of one company, or of all when $1 is NULL) whose id arrays differ, as sets, from their links.
LINKS_OUT_OF_STEP = """
SELECT c.id FROM customer c
WHERE ($1::uuid IS NULL OR c.tenant_id = $1)
  AND (ARRAY(SELECT v FROM unnest(c.tag_ids) v ORDER BY v) IS DISTINCT FROM
       ARRAY(SELECT x.tag_id FROM customer_tag x WHERE x.tenant_id = c.tenant_id AND x.customer_id = c.id ORDER BY 1)
    OR ARRAY(SELECT v FROM unnest(c.team_ids) v ORDER BY v) IS DISTINCT FROM
       ARRAY(SELECT x.team_id FROM customer_team x WHERE x.tenant_id = c.tenant_id AND x.customer_id = c.id ORDER BY 1))
ORDER BY c.id
"""


async def links_out_of_step(tenant_id: UUID) -> list[UUID]:
    rows = await fetch(Sql(LINKS_OUT_OF_STEP.replace("$1", "%s"), tenant_id, tenant_id))
    return [r["id"] for r in rows]
