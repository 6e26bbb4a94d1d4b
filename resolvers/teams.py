"""Teams: groups of users; customers attached to a team are visible to its members."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from authz.access import Access
from authz.catalogue import P
from authz.rows import rows_for, visible_rows
from models import Team
from models.db import fetch, fetchrow, in_transaction
from models.sql import FALSE, Sql
from models.teams import TEAM
from models.webhooks import WebhookEventType
from resolvers import history, outbox
from resolvers.audit import record_audit, ref
from resolvers.errors import Errors, FieldErrorCode, NotFound, ValidationFailed
from resolvers.history import EventKind
from resolvers.portfolios import check_batch
from resolvers.users import USER_COLUMNS

TEAM_COLUMNS = ", ".join(TEAM.column_names)
NAME_MAX = 200
NOT_MEMBER = "you are not a member of this team"


def _clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    errors = Errors()
    if not name:
        errors.add("name", FieldErrorCode.REQUIRED, "is required")
    elif len(name) > NAME_MAX:
        errors.add("name", FieldErrorCode.TOO_LONG, f"must be at most {NAME_MAX} characters")
    errors.raise_if_any()
    return name


async def list_teams(access: Access) -> list[dict[str, Any]]:
    access.require(P.TEAM_READ)
    return await fetch(
        Sql(f"SELECT {TEAM.select('t')} FROM team t WHERE ")
        + visible_rows(access, "Team", "t")
        + Sql(" ORDER BY t.name")
    )


async def get_team(access: Access, team_id: UUID) -> dict[str, Any]:
    row = await fetchrow(
        Sql(
            f"SELECT {TEAM_COLUMNS} FROM team WHERE id = %s AND tenant_id = %s",
            team_id,
            access.principal.tenant_id,
        )
    )
    if row is None:
        raise NotFound("Team", str(team_id))
    return row


async def create_team(access: Access, name: str) -> dict[str, Any]:
    access.require(P.TEAM_MANAGE)
    name = _clean_name(name)
    try:
        async with in_transaction():
            team = await Team.create(tenant_id=access.principal.tenant_id, name=name)
            await record_audit(access, "team.create", "Team", team.id, after={"name": name})
    except IntegrityError:
        raise ValidationFailed.one("name", FieldErrorCode.TAKEN, "another team has this name") from None
    return {"id": team.id, "name": team.name, "created_at": team.created_at}


async def rename_team(access: Access, team_id: UUID, name: str) -> dict[str, Any]:
    access.require(P.TEAM_MANAGE)
    name = _clean_name(name)
    try:
        async with in_transaction():
            previous = await get_team(access, team_id)
            await Team.filter(id=team_id, tenant_id=access.principal.tenant_id).update(name=name)
            if previous["name"] != name:
                await record_audit(
                    access, "team.rename", "Team", team_id, before={"name": previous["name"]}, after={"name": name}
                )
    except IntegrityError:
        raise ValidationFailed.one("name", FieldErrorCode.TAKEN, "another team has this name") from None
    return await get_team(access, team_id)


async def delete_team(access: Access, team_id: UUID) -> None:
    access.require(P.TEAM_MANAGE)
    async with in_transaction():
        previous = await fetchrow(
            Sql("DELETE FROM team WHERE id = %s AND tenant_id = %s RETURNING name", team_id, access.principal.tenant_id)
        )
        if previous is None:
            raise NotFound("Team", str(team_id))
        await record_audit(access, "team.delete", "Team", team_id, before={"name": previous["name"]})


async def change_members(access: Access, team_id: UUID, add: list[UUID], remove: list[UUID]) -> dict[str, Any]:
    access.require(P.TEAM_MANAGE)
    tenant = access.principal.tenant_id
    async with in_transaction():
        team = await get_team(access, team_id)
        added: list[dict[str, Any]] = []
        removed: list[dict[str, Any]] = []
        if add:
            users = await fetch(
                Sql("SELECT id, name FROM app_user WHERE tenant_id = %s AND id = ANY(%s::uuid[])", tenant, add)
            )
            unknown = set(add) - {u["id"] for u in users}
            if unknown:
                raise ValidationFailed.one("add", FieldErrorCode.UNKNOWN, f"{len(unknown)} id(s) are not users here")
            added = await fetch(
                Sql(
                    "INSERT INTO team_membership (tenant_id, team_id, user_id) SELECT %s, %s, u "
                    "FROM unnest(%s::uuid[]) AS u ON CONFLICT DO NOTHING RETURNING user_id",
                    tenant,
                    team_id,
                    add,
                )
            )
        if remove:
            removed = await fetch(
                Sql(
                    "DELETE FROM team_membership m WHERE tenant_id = %s AND team_id = %s AND user_id = ANY(%s::uuid[]) "
                    "RETURNING user_id, (SELECT u.name FROM app_user u WHERE u.id = m.user_id) AS name",
                    tenant,
                    team_id,
                    remove,
                )
            )
        if added or removed:
            names = {u["id"]: u["name"] for u in users} if add else {}
            await record_audit(
                access,
                "team.members",
                "Team",
                team_id,
                details={
                    "team": ref("Team", team_id, team["name"]),
                    "added": [ref("User", r["user_id"], names.get(r["user_id"])) for r in added],
                    "removed": [ref("User", r["user_id"], r["name"]) for r in removed],
                },
            )
    return team


async def change_customer_teams(access: Access, team_id: UUID, customer_ids: list[UUID], *, attach: bool) -> int:
    """Attach customers to a team (or detach them), all-or-nothing; answer how many changed."""
    access.require(P.CUSTOMER_TEAMS)
    tenant = access.principal.tenant_id
    ids = check_batch(customer_ids)
    async with in_transaction():
        team = await get_team(access, team_id)
        if not access.covers_team(P.CUSTOMER_TEAMS, team_id):
            raise ValidationFailed.one("teamId", FieldErrorCode.NOT_ALLOWED, NOT_MEMBER)
        rows = await fetch(
            Sql("SELECT c.id FROM customer c WHERE c.id = ANY(%s::uuid[]) AND ", ids)
            + rows_for(access, "Customer", P.CUSTOMER_TEAMS, "c")
            + Sql(" ORDER BY c.id FOR UPDATE")
        )
        found = {r["id"] for r in rows}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise NotFound("Customer", str(missing[0]))
        if attach:
            changed = await fetch(
                Sql(
                    "INSERT INTO customer_team (tenant_id, customer_id, team_id) SELECT %s, c, %s "
                    "FROM unnest(%s::uuid[]) AS c ON CONFLICT DO NOTHING RETURNING customer_id",
                    tenant,
                    team_id,
                    ids,
                )
            )
        else:
            changed = await fetch(
                Sql(
                    "DELETE FROM customer_team WHERE tenant_id = %s AND team_id = %s AND customer_id = ANY(%s::uuid[]) "
                    "RETURNING customer_id",
                    tenant,
                    team_id,
                    ids,
                )
            )
        changed_ids = [r["customer_id"] for r in changed]
        key = "added" if attach else "removed"
        await history.record(
            access, changed_ids, EventKind.TEAMS_CHANGED, {key: [{"id": team["id"], "name": team["name"]}]}
        )
        if changed_ids:
            await record_audit(
                access,
                "team.attach" if attach else "team.detach",
                "Team",
                team_id,
                details={
                    "team": ref("Team", team_id, team["name"]),
                    "customers": [ref("Customer", c) for c in changed_ids],
                },
            )
        await outbox.emit(access, WebhookEventType.CUSTOMER_UPDATED, "Customer", changed_ids)
    return len(changed_ids)


async def members_of(access: Access, team_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """Each team's members the caller may see (the User rule)."""
    out: dict[UUID, list[dict[str, Any]]] = {t: [] for t in team_ids}
    where = visible_rows(access, "User", "u")
    if where is FALSE:
        return out
    rows = await fetch(
        Sql(
            f"SELECT m.team_id, {USER_COLUMNS} FROM team_membership m JOIN app_user u ON u.id = m.user_id "
            "AND u.tenant_id = m.tenant_id WHERE m.team_id = ANY(%s::uuid[]) AND ",
            team_ids,
        )
        + where
        + Sql(" ORDER BY u.name, u.id")
    )
    for row in rows:
        out[row["team_id"]].append(row)
    return out


async def teams_of_customers(access: Access, customer_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """Each customer's teams the caller may see (the Team rule)."""
    out: dict[UUID, list[dict[str, Any]]] = {c: [] for c in customer_ids}
    where = visible_rows(access, "Team", "t")
    if where is FALSE:
        return out
    rows = await fetch(
        Sql(
            f"SELECT ct.customer_id, {TEAM.select('t')} FROM customer_team ct JOIN team t ON t.id = ct.team_id "
            "AND t.tenant_id = ct.tenant_id WHERE ct.customer_id = ANY(%s::uuid[]) AND ",
            customer_ids,
        )
        + where
        + Sql(" ORDER BY t.name")
    )
    for row in rows:
        out[row["customer_id"]].append(row)
    return out


async def teams_by_id(access: Access, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    where = visible_rows(access, "Team", "t")
    if where is FALSE:
        return {}
    rows = await fetch(Sql(f"SELECT {TEAM.select('t')} FROM team t WHERE t.id = ANY(%s::uuid[]) AND ", ids) + where)
    return {r["id"]: r for r in rows}
