"""Tenant B's credentials never read or change anything of tenant A."""

from __future__ import annotations

import pytest

from tests.helpers import gid, tenant_fingerprint
from tests.queries import ADD_TAGS, GET, LIST, REMOVE_TAGS, UPDATE


@pytest.fixture
async def two_tenants(factory):
    a, b = await factory.tenant(), await factory.tenant()
    a_admin = await factory.user(a, "admin")
    customer = await factory.customer(a, name="Secret Customer", email="secret@a.example")
    await factory.customer(b, name="B's customer")
    return a, b, a_admin, customer


@pytest.mark.parametrize("role", ["admin", "supervisor", "seller"])
async def test_reads_from_another_tenant_see_nothing(gql, factory, two_tenants, role):
    _a, b, _, customer = two_tenants
    intruder = await factory.user(b, role)

    one = await gql.data(GET, {"id": gid(customer)}, as_=intruder)
    node = await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid(customer)}, as_=intruder)
    listing = await gql.data(LIST, {"search": "Secret"}, as_=intruder)

    assert one["customer"] is None
    assert node["node"] is None
    assert listing["customers"]["totalCount"] == 0


async def test_writes_from_another_tenant_change_nothing(gql, factory, two_tenants):
    a, b, _, customer = two_tenants
    intruder = await factory.user(b, "admin")
    before = await tenant_fingerprint(a.id)

    update = await gql.data(UPDATE, {"input": {"id": gid(customer), "name": "Pwned"}}, as_=intruder)
    tag = await gql.data(ADD_TAGS, {"input": {"customerId": gid(customer), "tags": ["x"]}}, as_=intruder)
    untag = await gql.data(REMOVE_TAGS, {"input": {"customerId": gid(customer), "tags": ["x"]}}, as_=intruder)

    assert update["updateCustomer"]["__typename"] == "NotFound"
    assert tag["addTags"]["__typename"] == "NotFound"
    assert untag["removeTags"]["__typename"] == "NotFound"
    assert await tenant_fingerprint(a.id) == before


async def test_api_key_of_another_tenant_sees_nothing(gql, factory, two_tenants):
    _a, b, _, customer = two_tenants
    _, key = await factory.api_key(b, "admin")

    data = await gql.data(GET, {"id": gid(customer)}, as_=key)

    assert data["customer"] is None


async def test_tenant_b_owner_cannot_be_assigned_in_tenant_a(gql, factory, two_tenants):
    _a, b, a_admin, customer = two_tenants
    b_seller = await factory.user(b, "seller")

    data = await gql.data(UPDATE, {"input": {"id": gid(customer), "ownerId": b_seller.gid}}, as_=a_admin)

    assert data["updateCustomer"]["__typename"] == "ValidationFailed"


async def test_tags_are_per_tenant(gql, factory):
    a, b = await factory.tenant(), await factory.tenant()
    a_admin, b_admin = await factory.user(a, "admin"), await factory.user(b, "admin")
    ca, cb = await factory.customer(a), await factory.customer(b)

    await gql.data(ADD_TAGS, {"input": {"customerId": gid(ca), "tags": ["VIP"]}}, as_=a_admin)
    await gql.data(ADD_TAGS, {"input": {"customerId": gid(cb), "tags": ["VIP"]}}, as_=b_admin)

    ids_a = await gql.data("{ customers { nodes { tags { id } } } }", as_=a_admin)
    ids_b = await gql.data("{ customers { nodes { tags { id } } } }", as_=b_admin)
    assert ids_a["customers"]["nodes"][0]["tags"][0]["id"] != ids_b["customers"]["nodes"][0]["tags"][0]["id"]
