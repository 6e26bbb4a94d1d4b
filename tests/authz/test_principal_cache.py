"""A credential's principal is remembered a few seconds: changes through the API apply from the
next request, changes behind its back within ``PRINCIPAL_SECONDS``."""

from __future__ import annotations

from authz import authenticate
from authz.authenticate import forget_principals
from models import User
from tests.helpers import error_codes
from tests.queries import CREATE

ME = "{ me { role } }"
SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) { __typename }
}
"""


async def test_a_principal_is_remembered_until_forgotten(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    _, key = await factory.api_key(tenant, "admin", user=seller)
    assert (await gql.data(ME, as_=seller))["me"]["role"] == "SELLER"
    assert (await gql.data(ME, as_=key))["me"]["role"] == "SELLER"

    await User.filter(id=seller.id).update(is_active=False)
    remembered = [await gql.post(ME, as_=seller), await gql.post(ME, as_=key)]
    forget_principals()

    assert [body["data"]["me"]["role"] for body in remembered] == ["SELLER", "SELLER"]
    assert error_codes(await gql.post(ME, as_=seller)) == ["UNAUTHENTICATED"]
    assert error_codes(await gql.post(ME, as_=key)) == ["UNAUTHENTICATED"]


async def test_a_remembered_principal_costs_no_statement(gql, factory, count_statements):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
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
