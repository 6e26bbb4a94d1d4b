"""An audit entry is written in the transaction of the change it records."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from authz.access import Access
from authz.principal import Principal
from models import Role
from models.db import fetch, in_transaction
from models.sql import Sql
from resolvers.audit import record_audit
from tests.factories import Factory


async def _entries(tenant_id: Any) -> list[dict[str, Any]]:
    # Not the policy watcher's entries: an earlier test's policy edit may be noticed at any time,
    # and every company (this one too) gets an entry for it.
    return await fetch(
        Sql(
            "SELECT action, object_type, object_id, before, after, details, actor_id, actor_name "
            "FROM audit_entry WHERE tenant_id = %s AND object_type <> 'Policy' ORDER BY created_at",
            tenant_id,
        )
    )


async def test_an_entry_commits_with_its_change_and_names_its_actor(app: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    access = Access(Principal(tenant.id, tenant.slug, Role.ADMIN, admin.id, name="Ana"), app.state.policies.current)
    object_id = uuid4()

    async with in_transaction():
        await record_audit(access, "note.update", "Note", object_id, before={"body": "a"}, after={"body": "b"})

    [entry] = await _entries(tenant.id)
    assert (entry["action"], entry["object_type"], entry["object_id"]) == ("note.update", "Note", object_id)
    assert (entry["actor_id"], entry["actor_name"]) == (admin.id, "Ana")
    assert entry["before"] == {"body": "a"} and entry["after"] == {"body": "b"} and entry["details"] == {}


async def test_a_rolled_back_change_leaves_no_entry(app: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    access = Access(Principal(tenant.id, tenant.slug, Role.ADMIN, admin.id), app.state.policies.current)

    with pytest.raises(RuntimeError):
        async with in_transaction():
            await record_audit(access, "customer.export", "Export", uuid4(), details={"rows": 3})
            raise RuntimeError("the change fails after recording")

    assert await _entries(tenant.id) == []


async def test_an_entry_may_name_no_object(app: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    access = Access(Principal(tenant.id, tenant.slug, Role.ADMIN, admin.id), app.state.policies.current)

    async with in_transaction():
        await record_audit(access, "customer.export", "Export", None, details={"rows": 3})

    [entry] = await _entries(tenant.id)
    assert (entry["object_id"], entry["details"]) == (None, {"rows": 3})
