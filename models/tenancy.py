"""Which company's rows the database lets the service see: the second line behind every statement's
own ``tenant_id`` filter.

Every tenant-owned table has a row-level security policy (migration 0029) that shows and accepts
only rows whose ``tenant_id`` equals the connection's ``app.tenant_id`` setting; with none set,
nothing. The service reaches PostgreSQL only through its pool, and each time a connection is taken
from the pool (``apply_tenant``, the pool's ``setup`` hook) the setting is made that of the task
taking it: the tenant of the request or job it serves, or none. So the setting follows the work, not
the connection: a connection that served one company is set again before another company's (or a
tenant-less) statement runs on it, and a transaction keeps the setting of the connection it holds.

A request or job runs in a ``service_scope``; authentication names the tenant with ``use_tenant``
once the credential is known. Outside any scope (the CLI, migrations, which connect as the
tables' owner) no tenant is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

__all__ = ["TenantConnection", "apply_tenant", "current_tenant", "in_service_scope", "service_scope", "use_tenant"]

SETTING = "app.tenant_id"


@dataclass
class _Scope:
    # Mutable on purpose: the tenant named during authentication holds for the whole request,
    # including tasks the request started before it was known.
    tenant_id: UUID | None


_scope: ContextVar[_Scope | None] = ContextVar("crm_tenant_scope", default=None)


@contextmanager
def service_scope(tenant_id: UUID | None = None) -> Iterator[None]:
    """The work of one request or job: starts with ``tenant_id`` (none until authentication names
    one), whatever the caller's context had."""
    token = _scope.set(_Scope(tenant_id))
    try:
        yield
    finally:
        _scope.reset(token)


def use_tenant(tenant_id: UUID | None) -> None:
    """Name the tenant of the current request or job (no effect outside one); None: no tenant."""
    scope = _scope.get()
    if scope is not None:
        scope.tenant_id = tenant_id


def current_tenant() -> UUID | None:
    scope = _scope.get()
    return scope.tenant_id if scope is not None else None


def in_service_scope() -> bool:
    return _scope.get() is not None


class TenantConnection(asyncpg.Connection):
    """An asyncpg connection that remembers the tenant it was last set to, so taking it from the
    pool costs a round trip only when the tenant changes."""

    tenant_setting: str | None = None

    async def set_tenant(self, value: str) -> None:
        if self.tenant_setting == value:
            return
        self.tenant_setting = None  # unknown until the statement has succeeded
        await self.execute(f"SELECT set_config('{SETTING}', $1, false)", value)
        # A setting made inside a transaction would be undone by its rollback: remember only one
        # made outside (the pool never hands out a connection in a transaction).
        if not self.is_in_transaction():
            self.tenant_setting = value


async def apply_tenant(connection: Any) -> None:
    """The pool's ``setup`` hook: give the connection the tenant of the task taking it ('' for none,
    which the policies read as "no rows")."""
    tenant_id = current_tenant()
    await connection.set_tenant("" if tenant_id is None else str(tenant_id))
