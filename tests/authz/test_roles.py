"""Every role against every operation, allowed and refused, over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from tests.factories import TenantRef, UserRef
from tests.helpers import error_codes, gid, tenant_fingerprint
from tests.queries import ADD_TAGS, CREATE, GET, LIST, REMOVE_TAGS, UPDATE


@dataclass
class World:
    tenant: TenantRef
    users: dict[str, UserRef]
    mine: UUID  # in seller's portfolio
    others: UUID  # in seller2's portfolio
    unassigned: UUID


@pytest.fixture
async def world(factory) -> World:
    tenant = await factory.tenant()
    users = {role: await factory.user(tenant, role) for role in ("admin", "supervisor", "seller")}
    users["seller2"] = await factory.user(tenant, "seller")
    return World(
        tenant,
        users,
        mine=await factory.customer(tenant, name="Mine", owner=users["seller"]),
        others=await factory.customer(tenant, name="Others", owner=users["seller2"]),
        unassigned=await factory.customer(tenant, name="Unassigned"),
    )


# (role, customer) -> may the role read/update/tag it?
ALLOWED = {
    ("admin", "mine"): True,
    ("admin", "others"): True,
    ("admin", "unassigned"): True,
    ("supervisor", "mine"): True,
    ("supervisor", "others"): True,
    ("supervisor", "unassigned"): True,
    ("seller", "mine"): True,
    ("seller", "others"): False,
    ("seller", "unassigned"): False,
}


@pytest.mark.parametrize(("role", "which"), list(ALLOWED))
async def test_read_one(gql, world, role, which):
    data = await gql.data(GET, {"id": gid(getattr(world, which))}, as_=world.users[role])

    if ALLOWED[role, which]:
        assert data["customer"]["id"] == gid(getattr(world, which))
    else:
        assert data["customer"] is None  # exactly as for an id that never existed


@pytest.mark.parametrize("role", ["admin", "supervisor", "seller"])
async def test_list_and_count(gql, world, role):
    data = await gql.data(LIST, {"first": 50}, as_=world.users[role])

    names = sorted(e["node"]["name"] for e in data["customers"]["edges"])
    expected = sorted(w.title() for (r, w), ok in ALLOWED.items() if r == role and ok)
    assert names == expected
    assert data["customers"]["totalCount"] == len(expected)


@pytest.mark.parametrize(("role", "which"), list(ALLOWED))
async def test_update(gql, world, role, which):
    before = await tenant_fingerprint(world.tenant.id)

    data = await gql.data(
        UPDATE, {"input": {"id": gid(getattr(world, which)), "tradeName": "Changed"}}, as_=world.users[role]
    )

    if ALLOWED[role, which]:
        assert data["updateCustomer"]["__typename"] == "UpdateCustomerSuccess"
        assert data["updateCustomer"]["customer"]["tradeName"] == "Changed"
    else:
        assert data["updateCustomer"]["__typename"] == "NotFound"
        assert await tenant_fingerprint(world.tenant.id) == before


@pytest.mark.parametrize("mutation", [ADD_TAGS, REMOVE_TAGS])
@pytest.mark.parametrize(("role", "which"), list(ALLOWED))
async def test_tag(gql, world, role, which, mutation):
    await gql.data(
        ADD_TAGS, {"input": {"customerId": gid(getattr(world, which)), "tags": ["Start"]}}, as_=world.users["admin"]
    )
    before = await tenant_fingerprint(world.tenant.id)

    data = await gql.data(
        mutation, {"input": {"customerId": gid(getattr(world, which)), "tags": ["Start", "New"]}}, as_=world.users[role]
    )

    result = next(iter(data.values()))
    if ALLOWED[role, which]:
        assert result["__typename"] == "TagsChanged"
    else:
        assert result == {"__typename": "NotFound", "message": "Customer not found."}
        assert await tenant_fingerprint(world.tenant.id) == before


async def test_not_found_for_hidden_and_missing_ids_is_identical(gql, world):
    import uuid

    seller = world.users["seller"]
    hidden = await gql.data(UPDATE, {"input": {"id": gid(world.others), "name": "x"}}, as_=seller)
    missing = await gql.data(UPDATE, {"input": {"id": gid(uuid.uuid4()), "name": "x"}}, as_=seller)

    def strip(result):
        return {k: v for k, v in result["updateCustomer"].items() if k != "id"}

    assert strip(hidden) == strip(missing)


@pytest.mark.parametrize("role", ["admin", "supervisor", "seller"])
async def test_create(gql, world, role):
    data = await gql.data(CREATE, {"input": {"name": "New"}}, as_=world.users[role])

    assert data["createCustomer"]["__typename"] == "CreateCustomerSuccess"


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("supervisor", True), ("seller", False)])
async def test_choose_owner(gql, world, role, allowed):
    seller2 = world.users["seller2"]
    body = await gql.post(UPDATE, {"input": {"id": gid(world.mine), "ownerId": seller2.gid}}, as_=world.users[role])

    if allowed:
        assert body["data"]["updateCustomer"]["customer"]["owner"]["id"] == seller2.gid
    else:
        assert error_codes(body) == ["FORBIDDEN"]


async def test_node_respects_visibility(gql, world):
    query = "query($id: ID!) { node(id: $id) { __typename id ... on Customer { name } } }"

    own = await gql.data(query, {"id": gid(world.mine)}, as_=world.users["seller"])
    other = await gql.data(query, {"id": gid(world.others)}, as_=world.users["seller"])

    assert own["node"]["name"] == "Mine"
    assert other["node"] is None


async def test_me_lists_the_callers_permissions(gql, world):
    data = await gql.data("{ me { role permissions { key scope } } }", as_=world.users["seller"])

    granted = {p["key"]: p["scope"] for p in data["me"]["permissions"]}
    assert granted["customer:read"] == "TEAM"
    assert "customer:assign" not in granted


async def test_seller_bound_api_key_acts_as_its_seller(gql, factory, world):
    _, key = await factory.api_key(world.tenant, "seller", user=world.users["seller"])

    data = await gql.data(LIST, as_=key)

    assert [e["node"]["name"] for e in data["customers"]["edges"]] == ["Mine"]


async def test_seller_api_key_without_user_sees_no_portfolio(gql, factory, world):
    _, key = await factory.api_key(world.tenant, "seller")

    data = await gql.data(LIST, as_=key)

    assert data["customers"]["totalCount"] == 0
