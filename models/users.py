from __future__ import annotations

from tortoise import fields

from models.base import Role, TenantOwned
from models.descriptors import Column, Entity, register


class User(TenantOwned):
    email = fields.CharField(max_length=254)
    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=16)
    is_active = fields.BooleanField(default=True, db_default=True)
    # Starting conversations reaches customers who did not write first: an admin enables it per user.
    can_start_conversations = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "app_user"
        unique_together = (("tenant", "email"),)


class ApiKey(TenantOwned):
    """An integration's credential. Only a SHA-256 of the secret is kept: the secret is random
    and 256 bits long, so a slow password hash would add latency without adding safety."""

    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=16)
    # The key acts as this user when set (their portfolio and teams); otherwise as the role alone.
    user: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.CASCADE
    )
    secret_hash = fields.CharField(max_length=64)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"


USER = register(
    Entity(
        "User",
        "app_user",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column("name", "name", "string", nullable=False),
            Column("email", "email", "string", nullable=False),
            Column("role", "role", "enum", nullable=False, enum=Role),
            Column("isActive", "is_active", "bool", nullable=False),
            Column("canStartConversations", "can_start_conversations", "bool", nullable=False),
            Column(None, "created_at", "datetime", nullable=False),
        ),
    )
)
