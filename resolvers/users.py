"""Users of a tenant."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.principal import Principal
from authz.rows import visible_rows
from models import Role
from models.db import fetch, fetchrow, fetchval, in_transaction
from models.sql import FALSE, Sql
from models.users import USER
from resolvers.audit import record_audit, ref
from resolvers.errors import NotFound

USER_COLUMNS = USER.select("u")


async def users_by_id(access: Access, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """The users of ``ids`` the caller may see (the User rule, authz/rows.py)."""
    where = visible_rows(access, "User", "u")
    if where is FALSE:
        return {}
    rows = await fetch(Sql(f"SELECT {USER_COLUMNS} FROM app_user u WHERE u.id = ANY(%s::uuid[]) AND ", ids) + where)
    return {r["id"]: r for r in rows}


async def own_user(tenant_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    """The caller's own user, whether or not the role may see the company's users."""
    return await fetchrow(
        Sql(f"SELECT {USER_COLUMNS} FROM app_user u WHERE u.tenant_id = %s AND u.id = %s", tenant_id, user_id)
    )


async def active_user(tenant_id: UUID, user_id: UUID) -> dict[str, Any] | None:
    return await fetchrow(
        Sql(
            f"SELECT {USER_COLUMNS}, COALESCE((SELECT array_agg(m.team_id) FROM team_membership m "
            "WHERE m.tenant_id = u.tenant_id AND m.user_id = u.id), '{}') AS team_ids "
            "FROM app_user u WHERE u.tenant_id = %s AND u.id = %s AND u.is_active",
            tenant_id,
            user_id,
        )
    )


async def may_see_customer(access: Access, user: dict[str, Any], customer_id: UUID) -> bool:
    """Whether another user of the caller's company may see a customer, by the same rule the
    caller is held to (their role, teams and the policy in force)."""
    p = access.principal
    other = Access(
        Principal(
            tenant_id=p.tenant_id,
            tenant_slug=p.tenant_slug,
            role=Role(user["role"]),
            user_id=user["id"],
            team_ids=tuple(user["team_ids"]),
            settings=p.settings,
        ),
        access.policy,
    )
    return bool(
        await fetchval(
            Sql("SELECT 1 FROM customer c WHERE c.id = %s AND ", customer_id) + visible_rows(other, "Customer", "c")
        )
    )


async def list_users(access: Access) -> list[dict[str, Any]]:
    access.require(P.USER_READ)
    return await fetch(
        Sql(f"SELECT {USER_COLUMNS} FROM app_user u WHERE ")
        + visible_rows(access, "User", "u")
        + Sql(" ORDER BY u.name")
    )


async def set_conversation_access(access: Access, user_id: UUID, enabled: bool) -> dict[str, Any]:
    access.require(P.USER_MANAGE)
    async with in_transaction():
        row = await fetchrow(
            Sql(
                f"UPDATE app_user u SET can_start_conversations = %s WHERE u.id = %s AND u.tenant_id = %s "
                f"RETURNING {USER_COLUMNS}, (SELECT o.can_start_conversations FROM app_user o WHERE o.id = u.id) AS was",
                enabled,
                user_id,
                access.principal.tenant_id,
            )
        )
        if row is None:
            raise NotFound("User", str(user_id))
        was = row.pop("was")  # a subquery reads the row as it was before the statement
        if was != enabled:
            await record_audit(
                access,
                "user.update",
                "User",
                user_id,
                before={"canStartConversations": was},
                after={"canStartConversations": enabled},
                details={"user": ref("User", user_id, row["name"])},
            )
    return row
