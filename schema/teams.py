"""Teams and their members; attaching customers to teams."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from authz.catalogue import P
from models.teams import TEAM
from resolvers import teams as team_ops
from resolvers.errors import FieldErrorCode
from resolvers.errors import NotFound as Missing
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.kinds import a_kind
from schema.context import Info
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.node import Node, parse_id
from schema.permissions import requires
from schema.row_values import row_values
from schema.users import User


@strawberry.type
class Team(Node):
    name: str
    created_at: datetime
    _pk: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Team:
        return cls(**row_values(TEAM, cls, row), _pk=row["id"])

    @strawberry.field
    async def members(self, info: Info) -> list[User]:
        return [User.from_row(r) for r in await info.context.loaders.team_members.load(self._pk)]


def ids_of(values: list[str], type_name: str, field: str) -> list[Any]:
    out = []
    for i, value in enumerate(values):
        pk = parse_id(value, type_name)
        if pk is None:
            raise InvalidInput.one(f"{field}[{i}]", FieldErrorCode.INVALID, f"is not {a_kind(type_name)} id")
        out.append(pk)
    return out


def team_pk(value: str) -> Any:
    pk = parse_id(value, "Team")
    if pk is None:
        raise Missing("Team", value)
    return pk


@strawberry.input
class CreateTeamInput:
    name: str


@strawberry.input
class RenameTeamInput:
    id: strawberry.ID
    name: str


@strawberry.input
class DeleteTeamInput:
    id: strawberry.ID


@strawberry.input
class TeamMembersInput:
    team_id: strawberry.ID
    add: list[strawberry.ID] = strawberry.field(default_factory=list, description="User ids to add.")
    remove: list[strawberry.ID] = strawberry.field(default_factory=list, description="User ids to remove.")


@strawberry.input
class TeamCustomersInput:
    team_id: strawberry.ID
    customer_ids: list[strawberry.ID] = strawberry.field(description="At most 1,000 at once; all or nothing.")


@strawberry.type
class TeamSuccess:
    team: Team | None


@strawberry.type
class DeleteTeamSuccess:
    deleted_id: strawberry.ID


@strawberry.type
class TeamCustomersSuccess:
    team: Team | None
    changed: int = strawberry.field(description="How many customers were attached or detached.")


TeamResult = Annotated[TeamSuccess | ValidationFailed | NotFound, strawberry.union("TeamResult")]
DeleteTeamResult = Annotated[DeleteTeamSuccess | NotFound, strawberry.union("DeleteTeamResult")]
TeamCustomersResult = Annotated[
    TeamCustomersSuccess | ValidationFailed | NotFound, strawberry.union("TeamCustomersResult")
]


@strawberry.type
class TeamQuery:
    @strawberry.field(extensions=requires(P.TEAM_READ), description="The company's teams.")
    async def teams(self, info: Info) -> list[Team]:
        return [Team.from_row(r) for r in await team_ops.list_teams(info.context.access)]


@strawberry.type
class TeamMutation:
    @strawberry.mutation(extensions=requires(P.TEAM_MANAGE))
    @returns_errors
    async def create_team(self, info: Info, input: CreateTeamInput) -> TeamResult | None:
        return TeamSuccess(team=Team.from_row(await team_ops.create_team(info.context.access, input.name)))

    @strawberry.mutation(extensions=requires(P.TEAM_MANAGE))
    @returns_errors
    async def rename_team(self, info: Info, input: RenameTeamInput) -> TeamResult | None:
        row = await team_ops.rename_team(info.context.access, team_pk(input.id), input.name)
        return TeamSuccess(team=Team.from_row(row))

    @strawberry.mutation(extensions=requires(P.TEAM_MANAGE), description="Delete a team; its customers stay.")
    @returns_errors
    async def delete_team(self, info: Info, input: DeleteTeamInput) -> DeleteTeamResult | None:
        await team_ops.delete_team(info.context.access, team_pk(input.id))
        return DeleteTeamSuccess(deleted_id=input.id)

    @strawberry.mutation(extensions=requires(P.TEAM_MANAGE), description="Add and remove team members.")
    @returns_errors
    async def change_team_members(self, info: Info, input: TeamMembersInput) -> TeamResult | None:
        row = await team_ops.change_members(
            info.context.access,
            team_pk(input.team_id),
            ids_of(list(input.add), "User", "add"),
            ids_of(list(input.remove), "User", "remove"),
        )
        return TeamSuccess(team=Team.from_row(row))

    @strawberry.mutation(extensions=requires(P.CUSTOMER_TEAMS), description="Attach customers to a team.")
    @returns_errors
    async def attach_customers_to_team(self, info: Info, input: TeamCustomersInput) -> TeamCustomersResult | None:
        return await _change_customers(info, input, attach=True)

    @strawberry.mutation(extensions=requires(P.CUSTOMER_TEAMS), description="Detach customers from a team.")
    @returns_errors
    async def detach_customers_from_team(self, info: Info, input: TeamCustomersInput) -> TeamCustomersResult | None:
        return await _change_customers(info, input, attach=False)


async def _change_customers(info: Info, input: TeamCustomersInput, *, attach: bool) -> TeamCustomersSuccess:
    access = info.context.access
    team_id = team_pk(input.team_id)
    changed = await team_ops.change_customer_teams(
        access, team_id, ids_of(list(input.customer_ids), "Customer", "customerIds"), attach=attach
    )
    return TeamCustomersSuccess(team=Team.from_row(await team_ops.get_team(access, team_id)), changed=changed)
