"""API keys are created and revoked with the crm command: both land in the audit log, actor "system"."""

from __future__ import annotations

from typing import Any

from tests.audit.support import entries
from tests.factories import Factory
from tests.test_cli import crm


async def test_creating_and_revoking_a_key_is_recorded(
    gql: Any, factory: Factory, database_url: str, settings: Any
) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    env = {"DATABASE_URL": database_url, "CRM_JWT_SECRET": settings.jwt_secret}

    created = crm("apikey", "create", "--tenant", tenant.slug, "--role", "supervisor", "--name", "Shop sync", env=env)
    assert created.returncode == 0, created.stderr
    key_id = crm("apikey", "list", "--tenant", tenant.slug, env=env).stdout.split()[0]
    revoked = crm("apikey", "revoke", key_id, env=env)
    assert revoked.returncode == 0, revoked.stderr

    revoke, create = await entries(gql, admin, objectType="ApiKey")
    assert (create["action"], create["actorName"], create["actor"]) == ("api_key.create", "system", None)
    assert create["after"] == {"name": "Shop sync", "role": "SUPERVISOR", "user": None}
    assert (revoke["action"], revoke["before"]) == ("api_key.revoke", {"name": "Shop sync"})
    assert create["objectId"] == revoke["objectId"]
    assert created.stdout.strip() not in str([create, revoke])  # never the secret
