from __future__ import annotations

from typing import Any
from uuid import UUID

from models.db import fetchval
from models.sql import Sql
from schema.node import to_global_id


def gid(pk: UUID, type_name: str = "Customer") -> str:
    return to_global_id(type_name, pk)


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


async def count_customers(tenant_id: UUID) -> int:
    return await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s", tenant_id))


async def tenant_fingerprint(tenant_id: UUID) -> tuple[Any, ...]:
    """Everything a write could change for a tenant, to assert 'nothing was written'."""
    return (
        await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s", tenant_id)),
        await fetchval(Sql("SELECT coalesce(sum(version), 0) FROM customer WHERE tenant_id = %s", tenant_id)),
        await fetchval(Sql("SELECT max(updated_at) FROM customer WHERE tenant_id = %s", tenant_id)),
        await fetchval(Sql("SELECT count(*) FROM customer_tag WHERE tenant_id = %s", tenant_id)),
        await fetchval(Sql("SELECT count(*) FROM tag WHERE tenant_id = %s", tenant_id)),
    )
