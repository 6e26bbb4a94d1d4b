from __future__ import annotations

from tortoise import fields

from models.base import TenantOwned


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
