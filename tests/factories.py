"""Rows for tests, written straight to the database; behaviour is then exercised over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from authz.api_keys import new_key
from authz.authenticate import forget_principals
from authz.tokens import TokenConfig, issue_token
from models import ApiKey, CustomField, CustomFieldType, Role, Team, TeamMembership, Tenant, User
from models.db import execute
from models.sql import Sql
from resolvers.text import fold


@dataclass
class TenantRef:
    id: UUID
    slug: str


@dataclass
class UserRef:
    id: UUID
    tenant: TenantRef
    role: Role
    email: str
    token: str
    team_ids: list[UUID] = field(default_factory=list)

    @property
    def gid(self) -> str:
        from schema.node import to_global_id

        return to_global_id("User", self.id)


def gid(type_name: str, pk: UUID) -> str:
    from schema.node import to_global_id

    return to_global_id(type_name, pk)


class Factory:
    def __init__(self, tokens: TokenConfig) -> None:
        self.tokens = tokens

    async def tenant(self, **settings: Any) -> TenantRef:
        slug = f"t-{uuid.uuid4().hex[:12]}"
        tenant = await Tenant.create(slug=slug, name=f"Tenant {slug}", **settings)
        return TenantRef(tenant.id, slug)

    async def set_tenant(self, tenant: TenantRef, **settings: Any) -> None:
        await Tenant.filter(id=tenant.id).update(**settings)
        forget_principals()  # written behind the API's back: read afresh now

    def token_for(self, user_id: UUID, tenant_id: UUID, ttl: int = 3600) -> str:
        return issue_token(self.tokens, user_id=user_id, tenant_id=tenant_id, ttl_seconds=ttl)

    async def user(
        self,
        tenant: TenantRef,
        role: Role | str = Role.SELLER,
        *,
        teams: list[UUID] | None = None,
        name: str | None = None,
    ) -> UserRef:
        role = Role(role)
        email = f"{role.value}-{uuid.uuid4().hex[:8]}@example.test"
        user = await User.create(tenant_id=tenant.id, email=email, name=name or email.split("@")[0], role=role)
        for team_id in teams or []:
            await TeamMembership.create(tenant_id=tenant.id, team_id=team_id, user_id=user.id)
        return UserRef(user.id, tenant, role, email, self.token_for(user.id, tenant.id), list(teams or []))

    async def team(self, tenant: TenantRef, name: str | None = None) -> UUID:
        team = await Team.create(tenant_id=tenant.id, name=name or f"team-{uuid.uuid4().hex[:8]}")
        return team.id

    async def api_key(self, tenant: TenantRef, role: Role | str, user: UserRef | None = None) -> tuple[UUID, str]:
        key_id = uuid.uuid4()
        key = new_key(key_id)
        await ApiKey.create(
            id=key_id,
            tenant_id=tenant.id,
            name="test key",
            role=Role(role),
            user_id=user.id if user else None,
            secret_hash=key.secret_hash,
        )
        return key_id, key.plaintext

    async def customer(
        self,
        tenant: TenantRef,
        *,
        name: str | None = None,
        owner: UserRef | UUID | None = None,
        teams: list[UUID] | None = None,
        **columns: Any,
    ) -> UUID:
        """Insert a customer row directly (no validation): for visibility and volume tests."""
        pk = uuid.uuid4()
        name = name or f"Customer {pk.hex[:6]}"
        owner_id = owner.id if isinstance(owner, UserRef) else owner
        values = {
            "id": pk,
            "tenant_id": tenant.id,
            "name": name,
            "search_text": fold(name),
            "owner_id": owner_id,
            **columns,
        }
        cols = list(values)
        await execute(
            Sql(f"INSERT INTO customer ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})", *values.values())
        )
        for team_id in teams or []:
            await execute(
                Sql(
                    "INSERT INTO customer_team (tenant_id, customer_id, team_id) VALUES (%s, %s, %s)",
                    tenant.id,
                    pk,
                    team_id,
                )
            )
        return pk

    async def custom_field(
        self, tenant: TenantRef, key: str, type_: CustomFieldType | str = CustomFieldType.TEXT, **columns: Any
    ) -> UUID:
        """Insert a custom field definition directly (no validation)."""
        field = await CustomField.create(
            tenant_id=tenant.id,
            key=key,
            label=columns.pop("label", key.title()),
            type=CustomFieldType(type_),
            **columns,
        )
        return field.id
