"""A key bound to a user never exceeds that user's current role, and dies with the user's access."""

from __future__ import annotations

import pytest

from authz.authenticate import forget_principals
from models import Role, User
from tests.helpers import error_codes, tenant_fingerprint
from tests.queries import CREATE

ME = "{ me { role user { id } } }"
ALL = "{ customers(first: 100, portfolio: ALL) { totalCount } }"
PORTFOLIOS = "{ portfolios { customerCount } }"


@pytest.fixture
async def company(factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    other = await factory.user(tenant, "seller")
    await factory.customer(tenant, owner=seller)
    await factory.customer(tenant, owner=other)
    await factory.customer(tenant)
    return tenant, seller


async def test_an_admin_key_bound_to_a_seller_acts_as_a_seller(gql, factory, company):
    tenant, seller = company
    _, key = await factory.api_key(tenant, "admin", user=seller)

    assert (await gql.data(ME, as_=key))["me"]["role"] == "SELLER"
    assert (await gql.data(ALL, as_=key))["customers"]["totalCount"] == 1
    assert error_codes(await gql.post(PORTFOLIOS, as_=key)) == ["FORBIDDEN"]


async def test_a_key_keeps_its_own_role_when_it_is_the_lesser(gql, factory, company):
    tenant, _ = company
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "supervisor", user=admin)

    assert (await gql.data(ME, as_=key))["me"]["role"] == "SUPERVISOR"
    assert error_codes(await gql.post("{ tenant { id } } ", as_=key)) == []


@pytest.mark.parametrize(("demoted_to", "portfolios_code"), [("seller", ["FORBIDDEN"]), ("supervisor", [])])
async def test_demoting_the_user_demotes_the_key_from_the_next_request(
    gql, factory, company, demoted_to, portfolios_code
):
    tenant, _ = company
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "admin", user=admin)
    assert (await gql.data(ME, as_=key))["me"]["role"] == "ADMIN"

    await User.filter(id=admin.id).update(role=Role(demoted_to))
    forget_principals()  # written behind the API's back: read afresh now

    assert (await gql.data(ME, as_=key))["me"]["role"] == demoted_to.upper()
    assert error_codes(await gql.post(PORTFOLIOS, as_=key)) == portfolios_code


async def test_a_deactivated_users_keys_stop_working_and_write_nothing(gql, factory, company):
    tenant, _ = company
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "admin", user=admin)
    await User.filter(id=admin.id).update(is_active=False)
    forget_principals()  # written behind the API's back: read afresh now
    before = await tenant_fingerprint(tenant.id)

    body = await gql.post(CREATE, {"input": {"name": "Ana"}}, as_=key)

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert await tenant_fingerprint(tenant.id) == before

    await User.filter(id=admin.id).update(is_active=True)
    forget_principals()  # written behind the API's back: read afresh now
    assert (await gql.data(ME, as_=key))["me"]["role"] == "ADMIN"


async def test_a_deleted_users_keys_stop_working(gql, factory, company):
    tenant, _ = company
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "admin", user=admin)
    await User.filter(id=admin.id).delete()
    forget_principals()  # written behind the API's back: read afresh now

    assert error_codes(await gql.post(ME, as_=key)) == ["UNAUTHENTICATED"]


async def test_a_key_without_a_user_keeps_its_role(gql, factory, company):
    tenant, _ = company
    _, key = await factory.api_key(tenant, "supervisor")

    assert (await gql.data(ME, as_=key))["me"] == {"role": "SUPERVISOR", "user": None}


async def test_the_key_and_its_users_role_are_read_in_one_statement_once_its_tenant_is_known(
    gql, factory, company, count_statements
):
    tenant, seller = company
    _, key = await factory.api_key(tenant, "admin", user=seller)
    await gql.data(ME, as_=key)  # the first use also records the key's last use, off the request

    with count_statements() as counter:
        data = await gql.data("{ me { role } }", as_=key)

    assert data["me"]["role"] == "SELLER"
    # crm_api_key_tenant(id) first: row-level security shows the key only within its company.
    assert counter.count == 2
