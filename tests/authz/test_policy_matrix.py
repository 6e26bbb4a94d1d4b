"""Every role x every customer operation x (own, team, other) customer, derived from the policy.

The expectation comes from the policy file through Casbin (the widest scope granted to the role,
and whether it covers the customer's relation to the caller); the answer comes from the API. A
refusal must change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest

from authz.catalogue import P, Permission, Scope
from tests.factories import TenantRef, UserRef
from tests.helpers import gid, tenant_fingerprint

COVERS = {Scope.ALL: {"own", "team", "other"}, Scope.TEAM: {"own", "team"}, Scope.OWN: {"own"}}


@dataclass
class World:
    tenant: TenantRef
    users: dict[str, UserRef]
    team_id: UUID
    customers: dict[str, UUID]  # relation to the seller -> customer
    spares: dict[str, UUID]  # a second customer of each relation (merges)


@pytest.fixture
async def world(factory) -> World:
    tenant = await factory.tenant()
    team = await factory.team(tenant)
    users = {
        "admin": await factory.user(tenant, "admin"),
        "supervisor": await factory.user(tenant, "supervisor"),
        "seller": await factory.user(tenant, "seller", teams=[team]),
        "seller2": await factory.user(tenant, "seller"),
    }

    async def make(relation: str, n: int) -> UUID:
        if relation == "own":
            return await factory.customer(tenant, name=f"own{n}", owner=users["seller"])
        if relation == "team":
            return await factory.customer(tenant, name=f"team{n}", owner=users["seller2"], teams=[team])
        return await factory.customer(tenant, name=f"other{n}", owner=users["seller2"])

    relations = ("own", "team", "other")
    return World(
        tenant, users, team, {r: await make(r, 1) for r in relations}, {r: await make(r, 2) for r in relations}
    )


def expected(app: Any, world: World, role: str, relation: str, *perms: Permission) -> bool:
    policy = app.state.policies.current
    for perm in perms:
        scope = policy.scope_for(role, world.tenant.slug, perm)
        if scope is None or relation not in COVERS[scope]:
            return False
    return True


Op = Callable[[Any, World, UserRef, str], Awaitable[bool]]


async def op_read(gql, world, user, relation) -> bool:
    data = await gql.data(
        "query($id: ID!) { customer(id: $id) { id } }", {"id": gid(world.customers[relation])}, as_=user
    )
    return data["customer"] is not None


async def op_list(gql, world, user, relation) -> bool:
    data = await gql.data("{ customers(first: 100, portfolio: ALL) { nodes { id } } }", as_=user)
    return gid(world.customers[relation]) in {n["id"] for n in data["customers"]["nodes"]}


def _succeeded(body: dict[str, Any], success: str) -> bool:
    if "errors" in body:
        assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "BAD_USER_INPUT"), body
        return False
    result = next(iter(body["data"].values()))
    assert result["__typename"] in (success, "NotFound"), result
    return result["__typename"] == success


async def op_update(gql, world, user, relation) -> bool:
    body = await gql.post(
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }",
        {"i": {"id": gid(world.customers[relation]), "tradeName": "changed"}},
        as_=user,
    )
    return _succeeded(body, "UpdateCustomerSuccess")


async def op_tag(gql, world, user, relation) -> bool:
    body = await gql.post(
        "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
        {"i": {"customerId": gid(world.customers[relation]), "tags": ["x"]}},
        as_=user,
    )
    return _succeeded(body, "TagsChanged")


async def op_merge(gql, world, user, relation) -> bool:
    body = await gql.post(
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename } }",
        {"i": {"primaryId": gid(world.customers[relation]), "duplicateIds": [gid(world.spares[relation])]}},
        as_=user,
    )
    return _succeeded(body, "MergeCustomersSuccess")


async def op_transfer(gql, world, user, relation) -> bool:
    body = await gql.post(
        "mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) { __typename } }",
        {"i": {"customerIds": [gid(world.customers[relation])], "toSellerId": world.users["seller2"].gid}},
        as_=user,
    )
    return _succeeded(body, "BulkSuccess")


async def op_unassign(gql, world, user, relation) -> bool:
    body = await gql.post(
        "mutation($i: RemoveFromPortfolioInput!) { removeFromPortfolio(input: $i) { __typename } }",
        {"i": {"customerIds": [gid(world.customers[relation])]}},
        as_=user,
    )
    return _succeeded(body, "BulkSuccess")


async def op_attach_team(gql, world, user, relation) -> bool:
    body = await gql.post(
        "mutation($i: TeamCustomersInput!) { attachCustomersToTeam(input: $i) { __typename } }",
        {"i": {"teamId": gid(world.team_id, "Team"), "customerIds": [gid(world.customers[relation])]}},
        as_=user,
    )
    return _succeeded(body, "TeamCustomersSuccess")


OPERATIONS: dict[str, tuple[Op, tuple[Permission, ...]]] = {
    "read": (op_read, (P.CUSTOMER_READ,)),
    "list": (op_list, (P.CUSTOMER_READ,)),
    "update": (op_update, (P.CUSTOMER_UPDATE,)),
    "tag": (op_tag, (P.CUSTOMER_TAG,)),
    "merge": (op_merge, (P.CUSTOMER_MERGE,)),
    "transfer": (op_transfer, (P.CUSTOMER_ASSIGN, P.CUSTOMER_UPDATE)),
    "remove_from_portfolio": (op_unassign, (P.CUSTOMER_ASSIGN, P.CUSTOMER_UPDATE)),
    "attach_to_team": (op_attach_team, (P.CUSTOMER_TEAMS,)),
}
READS = {"read", "list"}


@pytest.mark.parametrize("relation", ["own", "team", "other"])
@pytest.mark.parametrize("role", ["admin", "supervisor", "seller"])
@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_matrix(gql, app, world, operation, role, relation):
    run, perms = OPERATIONS[operation]
    allowed = expected(app, world, role, relation, *perms)
    before = await tenant_fingerprint(world.tenant.id)

    happened = await run(gql, world, world.users[role], relation)

    assert happened == allowed
    if not allowed and operation not in READS:
        assert await tenant_fingerprint(world.tenant.id) == before


def test_the_matrix_exercises_every_scope():
    """Guard against a policy edit that would make the matrix trivially pass."""
    from authz.policy import load_policy
    from server.settings import PROJECT_ROOT

    policy = load_policy(PROJECT_ROOT / "policies")
    scopes = {policy.scope_for(role, "x", P.CUSTOMER_READ) for role in ("admin", "supervisor", "seller")}
    assert scopes == {Scope.ALL, Scope.TEAM}
    assert policy.scope_for("seller", "x", P.CUSTOMER_MERGE) is Scope.OWN
    assert policy.scope_for("seller", "x", P.CUSTOMER_ASSIGN) is None
