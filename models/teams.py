from __future__ import annotations

from tortoise import fields

from models.base import TenantOwned
from models.descriptors import Column, Entity, OrderKey, ToMany, register


class Team(TenantOwned):
    name = fields.CharField(max_length=200)

    class Meta:
        table = "team"
        unique_together = (("tenant", "name"),)


class TeamMembership(TenantOwned):
    team: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Team", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.CASCADE
    )

    class Meta:
        table = "team_membership"
        unique_together = (("tenant", "team", "user"),)


TEAM = register(
    Entity(
        "Team",
        "team",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column("name", "name", "string", nullable=False),
            Column("createdAt", "created_at", "datetime", nullable=False),
        ),
        (
            ToMany(
                "members",
                "User",
                "team_id",
                (OrderKey("{t}.name", False, "text", "name"), OrderKey("{t}.id", False, "uuid", "id")),
                through=("team_membership", "team_id", "user_id"),
                connection=False,
                default_first=None,
            ),
        ),
    )
)
