"""One audit entry per customer of a bulk deletion, written in one statement.

The entries are those ``resolvers.audit.record_audit`` writes (same columns), one per customer,
so the audit log finds each customer's deletion by its id; a thousand single inserts would cost a
thousand round trips inside the deletion's transaction.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from models.db import execute
from models.sql import Sql
from resolvers.audit import record_audit
from resolvers.history import to_json


async def audit_each(access: Access, action: str, ids: list[UUID], details: dict[str, Any]) -> None:
    """Record ``action`` on each customer of ``ids`` (inside the caller's transaction)."""
    if len(ids) == 1:
        await record_audit(access, action, "Customer", ids[0], details=details)
        return
    p = access.principal
    await execute(
        Sql(
            "INSERT INTO audit_entry (tenant_id, actor_id, actor_api_key_id, actor_name, action, object_type, "
            "object_id, before, after, details) SELECT %s, %s, %s, %s, %s, 'Customer', o.id, NULL, NULL, %s::jsonb "
            "FROM unnest(%s::uuid[]) AS o(id)",
            p.tenant_id,
            p.user_id,
            p.api_key_id,
            p.name,
            action,
            to_json(details),
            ids,
        )
    )
