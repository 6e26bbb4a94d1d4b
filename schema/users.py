from __future__ import annotations

from typing import Any

import strawberry

from authz.catalogue import P
from authz.catalogue import Scope as AuthzScope
from models import Role as ModelRole
from models.users import USER
from resolvers import users as user_ops
from schema.context import Info
from schema.node import Node
from schema.permissions import requires
from schema.row_values import row_values

Role = strawberry.enum(ModelRole, name="Role")
Scope = strawberry.enum(AuthzScope, name="Scope", description="How much of the company a permission covers.")


@strawberry.type
class User(Node):
    name: str
    email: str
    role: Role
    is_active: bool
    can_start_conversations: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(**row_values(USER, cls, row))


@strawberry.type(description="An action the caller may take, and over which customers.")
class GrantedPermission:
    key: str = strawberry.field(description="object:action, as in policies/policy.csv")
    object: str
    action: str
    scope: Scope
    description: str


@strawberry.type(description="The caller: a signed-in user or an integration's API key.")
class Me:
    role: Role
    tenant_slug: str
    _user_id: strawberry.Private[Any]

    @strawberry.field(description="The signed-in user; null for an API key not bound to a user.")
    async def user(self, info: Info) -> User | None:
        if self._user_id is None:
            return None
        # One's own user, whether or not the role may list the company's users.
        principal = info.context.access.principal
        row = await user_ops.own_user(principal.tenant_id, self._user_id)
        return User.from_row(row) if row else None

    @strawberry.field(description="Every permission the caller holds, so an app can hide what it may not do.")
    def permissions(self, info: Info) -> list[GrantedPermission]:
        return [
            GrantedPermission(
                key=perm.key, object=perm.object, action=perm.action, scope=scope, description=perm.description
            )
            for perm, scope in info.context.access.granted()
        ]


@strawberry.type
class UserQuery:
    @strawberry.field(extensions=requires(P.USER_READ), description="The company's users (for pickers).")
    async def users(self, info: Info) -> list[User]:
        return [User.from_row(r) for r in await user_ops.list_users(info.context.access)]

    @strawberry.field(extensions=requires(), description="Who is calling, and what they may do.")
    def me(self, info: Info) -> Me:
        principal = info.context.access.principal
        return Me(role=principal.role, tenant_slug=principal.tenant_slug, _user_id=principal.user_id)
