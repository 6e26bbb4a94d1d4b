"""Team rules: names unique whatever their case, a narrower grant acts only for the caller's own
teams, and refusals read as English."""

from __future__ import annotations

import pytest

from authz.authenticate import forget_principals
from authz.catalogue import CATALOGUE, P
from models import User
from tests.helpers import error_codes, gid

CREATE = """mutation($i: CreateTeamInput!) { createTeam(input: $i) {
  __typename ... on TeamSuccess { team { id name } } ... on ValidationFailed { fields { field code } } } }"""
RENAME = """mutation($i: RenameTeamInput!) { renameTeam(input: $i) {
  __typename ... on TeamSuccess { team { name } } ... on ValidationFailed { fields { field code } } } }"""
ATTACH = """mutation($i: TeamCustomersInput!) { attachCustomersToTeam(input: $i) {
  __typename ... on TeamCustomersSuccess { changed } ... on ValidationFailed { fields { field code message } } } }"""
FILTER = "query($f: CustomerFilter) { customers(first: 10, portfolio: ALL, filter: $f) { totalCount } }"
START = """mutation($i: StartConversationInput!) { startConversation(input: $i) { __typename
  ... on ConversationsStarted { conversations { id } } ... on ValidationFailed { fields { field code } } } }"""
TEMPLATE = """mutation($i: MessageTemplateInput!) { createMessageTemplate(input: $i) {
  ... on MessageTemplateSaved { template { id } } } }"""


async def test_team_names_are_unique_whatever_their_case(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    sales = (await gql.data(CREATE, {"i": {"name": "Sales"}}, as_=admin))["createTeam"]
    north = (await gql.data(CREATE, {"i": {"name": "North"}}, as_=admin))["createTeam"]

    taken = (await gql.data(CREATE, {"i": {"name": "SALES"}}, as_=admin))["createTeam"]
    renamed = (await gql.data(RENAME, {"i": {"id": north["team"]["id"], "name": "sales"}}, as_=admin))["renameTeam"]
    recased = (await gql.data(RENAME, {"i": {"id": sales["team"]["id"], "name": "SALES"}}, as_=admin))["renameTeam"]
    elsewhere = await gql.data(
        CREATE, {"i": {"name": "sales"}}, as_=await factory.user(await factory.tenant(), "admin")
    )

    assert taken == {"__typename": "ValidationFailed", "fields": [{"field": "name", "code": "TAKEN"}]}
    assert renamed == {"__typename": "ValidationFailed", "fields": [{"field": "name", "code": "TAKEN"}]}
    assert recased == {"__typename": "TeamSuccess", "team": {"name": "SALES"}}
    assert elsewhere["createTeam"]["__typename"] == "TeamSuccess"


@pytest.fixture
async def teams(gql, factory, policy_edit):
    """A seller in team A (not B) whose role may attach customers to teams within its scope."""
    await policy_edit(lambda text: text + "\np, seller, *, customer, teams, team\n")
    tenant = await factory.tenant()
    mine, theirs = await factory.team(tenant, "A"), await factory.team(tenant, "B")
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller", teams=[mine])
    customer = await factory.customer(
        tenant, name="Ana", owner=seller, whatsapp="+5511970000001", whatsapp_e164="+5511970000001"
    )
    return tenant, admin, seller, mine, theirs, customer


async def test_a_seller_attaches_customers_only_to_their_own_teams(gql, teams):
    _tenant, admin, seller, mine, theirs, customer = teams

    refused = await gql.data(ATTACH, {"i": {"teamId": gid(theirs, "Team"), "customerIds": [gid(customer)]}}, as_=seller)
    allowed = await gql.data(ATTACH, {"i": {"teamId": gid(mine, "Team"), "customerIds": [gid(customer)]}}, as_=seller)
    by_admin = await gql.data(ATTACH, {"i": {"teamId": gid(theirs, "Team"), "customerIds": [gid(customer)]}}, as_=admin)

    result = refused["attachCustomersToTeam"]
    assert result["__typename"] == "ValidationFailed"
    assert [(f["field"], f["code"]) for f in result["fields"]] == [("teamId", "NOT_ALLOWED")]
    assert allowed["attachCustomersToTeam"] == {"__typename": "TeamCustomersSuccess", "changed": 1}
    assert by_admin["attachCustomersToTeam"] == {"__typename": "TeamCustomersSuccess", "changed": 1}


async def test_a_seller_filters_only_by_their_own_teams(gql, factory, teams):
    tenant, admin, seller, mine, theirs, _customer = teams
    await factory.set_tenant(tenant, restricted_visibility=True)

    refused = await gql.post(FILTER, {"f": {"teamIds": [gid(theirs, "Team")]}}, as_=seller)
    allowed = await gql.data(FILTER, {"f": {"teamIds": [gid(mine, "Team")]}}, as_=seller)
    by_admin = await gql.data(FILTER, {"f": {"teamIds": [gid(theirs, "Team")]}}, as_=admin)

    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert "filter.teamIds" in refused["errors"][0]["message"]
    assert allowed["customers"]["totalCount"] == 0
    assert by_admin["customers"]["totalCount"] == 0


async def test_a_seller_starts_conversations_only_for_their_own_teams(gql, teams):
    _tenant, admin, seller, mine, theirs, customer = teams
    await User.filter(id=seller.id).update(can_start_conversations=True)
    forget_principals()  # written behind the API's back: read afresh now
    template = (
        await gql.data(TEMPLATE, {"i": {"name": "Hi", "channel": "WHATSAPP", "body": "Olá {{name}}"}}, as_=admin)
    )["createMessageTemplate"]["template"]["id"]
    base = {"templateId": template, "customerIds": [gid(customer)]}

    refused = await gql.data(START, {"i": {**base, "teamId": gid(theirs, "Team")}}, as_=seller)
    allowed = await gql.data(START, {"i": {**base, "teamId": gid(mine, "Team")}}, as_=seller)

    assert refused["startConversation"] == {
        "__typename": "ValidationFailed",
        "fields": [{"field": "teamId", "code": "NOT_ALLOWED"}],
    }
    assert allowed["startConversation"]["__typename"] == "ConversationsStarted"


async def test_refusals_read_as_english(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    team = await factory.team(tenant)
    customer = await factory.customer(tenant, name="Ana", owner=seller)

    body = await gql.post(ATTACH, {"i": {"teamId": gid(team, "Team"), "customerIds": [gid(customer)]}}, as_=seller)

    assert error_codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["message"] == "Your role may not attach customers to teams or detach them."


@pytest.mark.parametrize("perm", list(CATALOGUE.values()), ids=str)
def test_every_permission_has_an_english_refusal(perm):
    for subject in ("customers", "this customer"):
        text = perm.refusal(subject)
        assert perm.deed, f"{perm} has no deed"
        assert "_" not in text and "{" not in text and text.endswith(".")
    assert P.CUSTOMER_UPDATE.refusal("this customer") == "Your role may not edit this customer."
    assert "teams customers" not in P.CUSTOMER_TEAMS.refusal()
