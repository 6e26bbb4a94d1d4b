"""Per-request DataLoaders: nested fields batch their reads into one statement per kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from strawberry.dataloader import DataLoader

from authz.access import Access
from resolvers import custom_fields as field_ops
from resolvers import tags as tag_ops
from resolvers import teams as team_ops
from resolvers import users as user_ops
from resolvers.custom_values import FieldDef

Row = dict[str, Any]


class Loaders:
    """Created lazily, so a request pays only for the loaders its query uses."""

    __slots__ = ("_access", "_cache")

    def __init__(self, access: Access | None) -> None:
        self._access = access
        self._cache: dict[str, DataLoader[Any, Any]] = {}

    def _get(self, name: str, batch: Callable[[Sequence[Any]], Awaitable[list[Any]]]) -> DataLoader[Any, Any]:
        loader = self._cache.get(name)
        if loader is None:
            loader = self._cache[name] = DataLoader(load_fn=batch)
        return loader

    def _tenant(self) -> UUID:
        assert self._access is not None
        return self._access.principal.tenant_id

    @property
    def tags(self) -> DataLoader[UUID, list[Row]]:
        return self._get("tags", self._tags)

    async def _tags(self, ids: Sequence[UUID]) -> list[list[Row]]:
        found = await tag_ops.tags_of_customers(self._tenant(), list(ids))
        return [found[i] for i in ids]

    @property
    def users(self) -> DataLoader[UUID, Row | None]:
        return self._get("users", self._users)

    async def _users(self, ids: Sequence[UUID]) -> list[Row | None]:
        found = await user_ops.users_by_id(self._tenant(), list(ids))
        return [found.get(i) for i in ids]

    @property
    def customer_teams(self) -> DataLoader[UUID, list[Row]]:
        return self._get("customer_teams", self._customer_teams)

    async def _customer_teams(self, ids: Sequence[UUID]) -> list[list[Row]]:
        found = await team_ops.teams_of_customers(self._tenant(), list(ids))
        return [found[i] for i in ids]

    @property
    def team_members(self) -> DataLoader[UUID, list[Row]]:
        return self._get("team_members", self._team_members)

    async def _team_members(self, ids: Sequence[UUID]) -> list[list[Row]]:
        found = await team_ops.members_of(self._tenant(), list(ids))
        return [found[i] for i in ids]

    @property
    def custom_fields(self) -> DataLoader[UUID, list[FieldDef]]:
        """The tenant's custom field definitions: one statement per request, whatever the page size."""
        return self._get("custom_fields", self._custom_fields)

    async def _custom_fields(self, tenant_ids: Sequence[UUID]) -> list[list[FieldDef]]:
        return [await field_ops.load_definitions(t) for t in tenant_ids]
