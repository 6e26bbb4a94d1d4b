"""The tests' own statements run as the tables' owner; the service's as the service's role.

Fixtures insert rows of many companies and tests inspect them, outside any request: those statements
go to a pool connected with the owner's URL (a superuser here, so row-level security does not apply).
Whatever runs inside a request or a job (``models.tenancy.service_scope``) takes the service's pool,
connected as ``crm_app`` and held to its tenant, exactly as in production.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

from models.tenancy import in_service_scope
from server import database

client_class: type[AsyncpgDBClient]


class OwnerOutsideServiceClient(AsyncpgDBClient):
    def __init__(self, *, owner: dict[str, Any], **kwargs: Any) -> None:
        self._service_pool: asyncpg.Pool | None = None
        self._owner_pool: asyncpg.Pool | None = None
        self._owner = owner
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def _pool(self) -> asyncpg.Pool | None:
        if in_service_scope() or self._owner_pool is None:
            return self._service_pool
        return self._owner_pool

    @_pool.setter
    def _pool(self, pool: asyncpg.Pool | None) -> None:
        self._service_pool = pool

    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)
        self._owner_pool = await self.create_pool(**{**self._template, **self._owner})

    async def _close(self) -> None:
        owner, self._owner_pool = self._owner_pool, None
        if owner is not None:
            await owner.close()
        await super()._close()


client_class = OwnerOutsideServiceClient


def owner_routed_config(owner_url: str) -> Any:
    """``server.database.tortoise_config`` for the service's URL, with the owner's pool beside it."""

    def config(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        built = database.tortoise_config(url, *args, **kwargs)
        default = built["connections"]["default"]
        default["engine"] = __name__
        default["credentials"]["owner"] = database.asyncpg_params(owner_url)
        return built

    return config
