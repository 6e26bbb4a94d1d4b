"""Teams, memberships, customers attached to teams, and restricted visibility."""

from __future__ import annotations

import pytest

from models.db import fetch
from models.sql import Sql
from tests.helpers import error_codes, gid, tenant_fingerprint

CREATE = """mutation($i: CreateTeamInput!) { createTeam(input: $i) {
  __typename ... on TeamSuccess { team { id name members { email } } } ... on ValidationFailed { fields { field code } } } }"""
MEMBERS = """mutation($i: TeamMembersInput!) { changeTeamMembers(input: $i) {
  __typename ... on TeamSuccess { team { name members { email } } } ... on ValidationFailed { fields { field code } } } }"""
ATTACH = """mutation($i: TeamCustomersInput!) { attachCustomersToTeam(input: $i) {
  __typename ... on TeamCustomersSuccess { changed } ... on NotFound { id } } }"""
DETACH = ATTACH.replace("attachCustomersToTeam", "detachCustomersFromTeam")
VISIBLE = "{ customers(first: 100, portfolio: ALL) { totalCount nodes { name teams { name } } } }"


async def test_admins_manage_teams_and_members(gql, factory):
    tenant = await factory.tenant()
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")

    created = (await gql.data(CREATE, {"i": {"name": "  North   Sales "}}, as_=admin))["createTeam"]
    taken = (await gql.data(CREATE, {"i": {"name": "North Sales"}}, as_=admin))["createTeam"]
    members = (await gql.data(MEMBERS, {"i": {"teamId": created["team"]["id"], "add": [seller.gid]}}, as_=admin))[
        "changeTeamMembers"
    ]
    renamed = await gql.data(
        "mutation($i: RenameTeamInput!) { renameTeam(input: $i) { __typename ... on TeamSuccess { team { name } } } }",
        {"i": {"id": created["team"]["id"], "name": "South"}},
        as_=admin,
    )
    listed = await gql.data("{ teams { name members { email } } }", as_=seller)

    assert created["team"]["name"] == "North Sales"
    assert taken["fields"] == [{"field": "name", "code": "TAKEN"}]
    assert members["team"]["members"] == [{"email": seller.email}]
    assert renamed["renameTeam"]["team"]["name"] == "South"
    assert listed["teams"] == [{"name": "South", "members": [{"email": seller.email}]}]


@pytest.mark.parametrize("role", ["supervisor", "seller"])
async def test_only_admins_manage_teams(gql, factory, role):
    tenant = await factory.tenant()
    user = await factory.user(tenant, role)

    body = await gql.post(CREATE, {"i": {"name": "Mine"}}, as_=user)

    assert error_codes(body) == ["FORBIDDEN"]
    assert await fetch(Sql("SELECT id FROM team WHERE tenant_id = %s", tenant.id)) == []


async def test_team_members_see_the_teams_customers(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    ana, bruno = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    team = (await gql.data(CREATE, {"i": {"name": "Key accounts"}}, as_=admin))["createTeam"]["team"]
    held = await factory.customer(tenant, name="Held by Bruno", owner=bruno)
    assert (await gql.data(VISIBLE, as_=ana))["customers"]["totalCount"] == 0

    attached = await gql.data(ATTACH, {"i": {"teamId": team["id"], "customerIds": [gid(held)]}}, as_=admin)
    await gql.data(MEMBERS, {"i": {"teamId": team["id"], "add": [ana.gid]}}, as_=admin)
    seen = await gql.data(VISIBLE, as_=ana)
    await gql.data(MEMBERS, {"i": {"teamId": team["id"], "remove": [ana.gid]}}, as_=admin)
    after_leaving = await gql.data(VISIBLE, as_=ana)

    assert attached["attachCustomersToTeam"]["changed"] == 1
    assert seen["customers"]["nodes"] == [{"name": "Held by Bruno", "teams": [{"name": "Key accounts"}]}]
    assert after_leaving["customers"]["totalCount"] == 0


async def test_detaching_and_deleting_a_team_hides_its_customers_again(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    team_id = await factory.team(tenant)
    ana = await factory.user(tenant, "seller", teams=[team_id])
    customers = [await factory.customer(tenant, name=f"C{i}", teams=[team_id]) for i in range(3)]
    assert (await gql.data(VISIBLE, as_=ana))["customers"]["totalCount"] == 3

    detached = await gql.data(
        DETACH, {"i": {"teamId": gid(team_id, "Team"), "customerIds": [gid(customers[0])]}}, as_=admin
    )
    assert detached["detachCustomersFromTeam"]["changed"] == 1
    assert (await gql.data(VISIBLE, as_=ana))["customers"]["totalCount"] == 2

    await gql.data(
        "mutation($i: DeleteTeamInput!) { deleteTeam(input: $i) { __typename } }",
        {"i": {"id": gid(team_id, "Team")}},
        as_=admin,
    )
    assert (await gql.data(VISIBLE, as_=ana))["customers"]["totalCount"] == 0
    assert (await gql.data(VISIBLE, as_=admin))["customers"]["totalCount"] == 3  # the customers stay


async def test_attaching_is_all_or_nothing(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    team_id = await factory.team(tenant)
    mine = await factory.customer(tenant)
    foreign = await factory.customer(await factory.tenant())
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(
        ATTACH, {"i": {"teamId": gid(team_id, "Team"), "customerIds": [gid(mine), gid(foreign)]}}, as_=admin
    )

    assert data["attachCustomersToTeam"]["__typename"] == "NotFound"
    assert await tenant_fingerprint(tenant.id) == before
    assert await fetch(Sql("SELECT id FROM customer_team WHERE tenant_id = %s", tenant.id)) == []


async def test_restricted_visibility_off_lets_sellers_see_the_whole_company(gql, factory):
    tenant = await factory.tenant()
    admin, ana = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    bruno = await factory.user(tenant, "seller")
    other = await factory.customer(tenant, name="Bruno's", owner=bruno)
    settings = """mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { __typename } }"""

    assert (await gql.data(VISIBLE, as_=ana))["customers"]["totalCount"] == 0
    await gql.data(settings, {"i": {"restrictedVisibility": False}}, as_=admin)
    seen = await gql.data(VISIBLE, as_=ana)
    one = await gql.data("query($id: ID!) { customer(id: $id) { name } }", {"id": gid(other)}, as_=ana)
    update = await gql.post(
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }",
        {"i": {"id": gid(other), "name": "x"}},
        as_=ana,
    )

    assert seen["customers"]["totalCount"] == 1
    assert one["customer"] == {"name": "Bruno's"}
    # seeing is not editing: updates keep their scope
    assert error_codes(update) == ["FORBIDDEN"]
    me = await gql.data("{ me { permissions { key scope } } }", as_=ana)
    assert {p["key"]: p["scope"] for p in me["me"]["permissions"]}["customer:read"] == "ALL"
