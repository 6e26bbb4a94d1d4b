"""Writing the company's audit log (reading it is ``resolvers/audit_log.py``'s job).

Every change a company can make records one entry here, in the same transaction as the change,
so an entry never describes a change that rolled back and no committed change lacks one.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from models.db import execute
from models.sql import Sql
from resolvers.history import to_json


def audit_insert(
    access: Access,
    action: str,
    object_type: str,
    object_id: UUID | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> Sql:
    """The ``INSERT`` of one entry, for a data-modifying ``WITH`` that makes the change itself."""
    p = access.principal
    return Sql(
        "INSERT INTO audit_entry (tenant_id, actor_id, actor_api_key_id, actor_name, action, object_type, "
        "object_id, before, after, details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s::jsonb)",
        p.tenant_id,
        p.user_id,
        p.api_key_id,
        p.name,
        action,
        object_type,
        object_id,
        None if before is None else to_json(before),
        None if after is None else to_json(after),
        to_json(details or {}),
    )


async def record_audit(
    access: Access,
    action: str,
    object_type: str,
    object_id: UUID | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry inside the caller's transaction (call it within ``in_transaction``)."""
    await execute(audit_insert(access, action, object_type, object_id, before=before, after=after, details=details))
