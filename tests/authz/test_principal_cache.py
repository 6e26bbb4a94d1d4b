"""A credential's principal is remembered a few seconds: changes through the API apply from the
next request; changes behind its back (the CLI, another process, SQL) as soon as their NOTIFY
reaches the process, and within ``PRINCIPAL_SECONDS`` even if it never does."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from authz import authenticate
from models import User
from tests.helpers import error_codes
from tests.queries import CREATE

ME = "{ me { role } }"
SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) { __typename }
}
"""


async def _settled() -> None:
    """Let the notifications of the test's own set-up writes arrive before measuring."""
    await asyncio.sleep(0.3)


async def test_a_change_made_behind_the_apis_back_applies_once_its_notification_arrives(
    gql, factory, database_url, monkeypatch
):
    monkeypatch.setattr(authenticate, "PRINCIPAL_SECONDS", 300.0)  # only the notification can forget
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    _, key = await factory.api_key(tenant, "admin", user=seller)
    await _settled()
    assert (await gql.data(ME, as_=seller))["me"]["role"] == "SELLER"
    assert (await gql.data(ME, as_=key))["me"]["role"] == "SELLER"

    # Another process (say `crm user deactivate`) on a connection of its own.
    other = await asyncpg.connect(database_url)
    try:
        await other.execute("UPDATE app_user SET is_active = false WHERE id = $1", seller.id)
    finally:
        await other.close()

    deadline = time.monotonic() + 10
    answers: list[list[str]] = []
    while time.monotonic() < deadline:
        answers = [error_codes(await gql.post(ME, as_=seller)), error_codes(await gql.post(ME, as_=key))]
        if answers == [["UNAUTHENTICATED"], ["UNAUTHENTICATED"]]:
            break
        await asyncio.sleep(0.05)
    assert answers == [["UNAUTHENTICATED"], ["UNAUTHENTICATED"]]


async def test_a_keys_last_use_stamp_forgets_nothing(gql, factory, database_url, count_statements):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")
    await _settled()
    await gql.data(ME, as_=key)

    other = await asyncpg.connect(database_url)
    try:
        await other.execute("UPDATE api_key SET last_used_at = now() WHERE tenant_id = $1", tenant.id)
    finally:
        await other.close()
    await _settled()
    with count_statements(fresh_principals=False) as counter:
        assert (await gql.data(ME, as_=key))["me"]["role"] == "ADMIN"

    assert counter.count == 0


async def test_a_remembered_principal_costs_no_statement(gql, factory, count_statements):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    await _settled()
    await gql.data(ME, as_=seller)

    with count_statements(fresh_principals=False) as counter:
        data = await gql.data(ME, as_=seller)

    assert data["me"]["role"] == "SELLER"
    assert counter.count == 0


async def test_a_remembered_principal_expires(gql, factory, monkeypatch):
    monkeypatch.setattr(authenticate, "PRINCIPAL_SECONDS", 0.0)
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    assert (await gql.data(ME, as_=seller))["me"]["role"] == "SELLER"

    await User.filter(id=seller.id).update(is_active=False)

    assert error_codes(await gql.post(ME, as_=seller)) == ["UNAUTHENTICATED"]


async def test_a_mutation_applies_to_other_callers_from_their_next_request(gql, factory):
    tenant = await factory.tenant()
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    assert (await gql.data(ME, as_=seller))["me"]["role"] == "SELLER"  # the seller's principal is remembered

    changed = await gql.data(SETTINGS, {"input": {"requiredFields": ["email"]}}, as_=admin)
    created = await gql.data(CREATE, {"input": {"name": "Ana"}}, as_=seller)

    assert changed["updateTenantSettings"]["__typename"] == "UpdateTenantSettingsSuccess"
    assert created["createCustomer"]["__typename"] == "ValidationFailed"
