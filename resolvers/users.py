"""Users of a tenant."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from models.db import fetch
from models.sql import Sql

USER_COLUMNS = "u.id, u.tenant_id, u.email, u.name, u.role, u.is_active, u.created_at"


async def users_by_id(tenant_id: UUID, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    rows = await fetch(
        Sql(
            f"SELECT {USER_COLUMNS} FROM app_user u WHERE u.tenant_id = %s AND u.id = ANY(%s::uuid[])",
            tenant_id,
            ids,
        )
    )
    return {r["id"]: r for r in rows}
