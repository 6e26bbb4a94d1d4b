"""Duplicate blocking: the database decides, race-free, per tenant."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.helpers import count_customers, tenant_fingerprint
from tests.queries import UPDATE

CREATE_DUP = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CreateCustomerSuccess { outcome customer { id name tradeName email phone whatsapp version tags { name } } }
    ... on DuplicateCustomer { message matches { fields heldByAnotherPortfolio customer { id name email } } }
    ... on ValidationFailed { fields { field code } }
  }
}
"""
SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) { __typename ... on UpdateTenantSettingsSuccess { tenant { settings {
    allowDuplicates } } } }
}
"""


async def create(gql, user, **fields):
    return (await gql.data(CREATE_DUP, {"input": fields}, as_=user))["createCustomer"]


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        ({"phone": "(11) 99999-1234"}, {"phone": "+55 11 9 9999 1234"}, "PHONE"),
        ({"phone": "11 99999-1234"}, {"phone": "011 99999 1234"}, "PHONE"),
        ({"phone": "(11) 99999-1234"}, {"phone": "(11) 9999-1234"}, "PHONE"),  # without the ninth digit
        ({"whatsapp": "+55 11 98888-7777"}, {"whatsapp": "5511 8888 7777"}, "WHATSAPP"),
        ({"email": "Ana@Example.com"}, {"email": "  ana@example.COM "}, "EMAIL"),
        ({"whatsapp": "(11) 97777-6666"}, {"phone": "11977776666"}, "PHONE"),  # one number, two fields
    ],
)
async def test_the_same_contact_in_another_format_is_a_duplicate(gql, factory, first, second, field):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    existing = await create(gql, admin, name="Ana", **first)

    result = await create(gql, admin, name="Ana Again", **second)

    assert result["__typename"] == "DuplicateCustomer"
    assert result["matches"] == [
        {
            "fields": [field],
            "heldByAnotherPortfolio": False,
            "customer": {"id": existing["customer"]["id"], "name": "Ana", "email": existing["customer"]["email"]},
        }
    ]
    assert await count_customers(tenant.id) == 1


async def test_twenty_concurrent_creates_with_one_phone_create_exactly_one(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    formats = ["(11) 98765-4321", "+55 11 98765-4321", "11987654321", "011 98765 4321", "(11) 8765-4321"]

    results = await asyncio.gather(
        *(create(gql, admin, name=f"Racer {i}", phone=formats[i % len(formats)]) for i in range(20))
    )

    kinds = [r["__typename"] for r in results]
    assert kinds.count("CreateCustomerSuccess") == 1
    assert kinds.count("DuplicateCustomer") == 19
    assert await count_customers(tenant.id) == 1


async def test_concurrent_creates_in_different_tenants_never_collide(gql, factory):
    tenants = [await factory.tenant() for _ in range(5)]
    admins = [await factory.user(t, "admin") for t in tenants]

    results = await asyncio.gather(
        *(create(gql, a, name="Same", phone="(11) 95555-4444", email="same@x.com") for a in admins)
    )

    assert [r["__typename"] for r in results] == ["CreateCustomerSuccess"] * 5


async def test_a_customer_held_by_another_portfolio_is_named_but_not_shown(gql, factory):
    tenant = await factory.tenant()
    ana, bruno = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    held = await create(gql, ana, name="Secret Name", phone="(11) 94444-3333", email="secret@x.com")

    result = await create(gql, bruno, name="Mine?", phone="11 94444-3333")

    assert result["__typename"] == "DuplicateCustomer"
    assert result["matches"] == [{"fields": ["PHONE"], "heldByAnotherPortfolio": True, "customer": None}]
    assert "held by another portfolio" in result["message"]
    text = json.dumps(result)
    assert "Secret" not in text and held["customer"]["id"] not in text and "secret@x.com" not in text


async def test_updating_to_a_taken_phone_is_a_duplicate_and_writes_nothing(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create(gql, admin, name="A", phone="(21) 3333-4444")
    b = await create(gql, admin, name="B", phone="(21) 3333-5555")
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(UPDATE, {"input": {"id": b["customer"]["id"], "phone": "21 33334444"}}, as_=admin)

    assert data["updateCustomer"]["__typename"] == "DuplicateCustomer"
    assert await tenant_fingerprint(tenant.id) == before


async def test_changing_a_contact_frees_the_old_value(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    a = await create(gql, admin, name="A", email="old@x.com")
    await gql.data(UPDATE, {"input": {"id": a["customer"]["id"], "email": "new@x.com"}}, as_=admin)

    again = await create(gql, admin, name="C", email="old@x.com")

    assert again["__typename"] == "CreateCustomerSuccess"


async def test_allow_duplicates_is_an_admin_setting_that_lets_duplicates_through(gql, factory):
    tenant = await factory.tenant()
    admin, supervisor = await factory.user(tenant, "admin"), await factory.user(tenant, "supervisor")

    refused = await gql.post(SETTINGS, {"input": {"allowDuplicates": True}}, as_=supervisor)
    turned_on = await gql.data(SETTINGS, {"input": {"allowDuplicates": True}}, as_=admin)
    first = await create(gql, admin, name="A", phone="(11) 93333-2222")
    second = await create(gql, admin, name="B", phone="(11) 93333-2222")

    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert turned_on["updateTenantSettings"]["tenant"]["settings"]["allowDuplicates"] is True
    assert first["__typename"] == second["__typename"] == "CreateCustomerSuccess"


async def test_turning_allow_duplicates_off_blocks_new_duplicates_of_old_ones(gql, factory):
    tenant = await factory.tenant(allow_duplicates=True)
    admin = await factory.user(tenant, "admin")
    await create(gql, admin, name="A", phone="(11) 93333-2222")
    await create(gql, admin, name="B", phone="(11) 93333-2222")
    await gql.data(SETTINGS, {"input": {"allowDuplicates": False}}, as_=admin)

    third = await create(gql, admin, name="C", phone="(11) 93333-2222")

    assert third["__typename"] == "DuplicateCustomer"
    assert len(third["matches"]) == 2


# --- onDuplicate -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "supervisor", "seller"])
async def test_merge_fills_blanks_and_unites_tags(gql, factory, role):
    tenant = await factory.tenant()
    user = await factory.user(tenant, role)
    existing = await create(gql, user, name="Ana", phone="(11) 92222-1111", tags=["Lead"])

    result = await create(
        gql,
        user,
        name="Ana Other",
        tradeName="Ana ME",
        phone="11922221111",
        email="ana@x.com",
        tags=["VIP"],
        onDuplicate="MERGE",
    )

    assert result["__typename"] == "CreateCustomerSuccess"
    assert result["outcome"] == "MERGED"
    customer = result["customer"]
    assert customer["id"] == existing["customer"]["id"]
    assert customer["name"] == "Ana"  # not blank: kept
    assert customer["tradeName"] == "Ana ME" and customer["email"] == "ana@x.com"  # blanks: filled
    assert sorted(t["name"] for t in customer["tags"]) == ["Lead", "VIP"]
    assert await count_customers(tenant.id) == 1


@pytest.mark.parametrize("role", ["admin", "supervisor", "seller"])
async def test_update_overwrites_the_given_fields(gql, factory, role):
    tenant = await factory.tenant()
    user = await factory.user(tenant, role)
    existing = await create(gql, user, name="Ana", phone="(11) 92222-1111", email="old@x.com")

    result = await create(gql, user, name="Ana Souza", email="new@x.com", phone="(11) 92222-1111", onDuplicate="UPDATE")

    assert result["outcome"] == "UPDATED"
    assert result["customer"]["id"] == existing["customer"]["id"]
    assert (result["customer"]["name"], result["customer"]["email"]) == ("Ana Souza", "new@x.com")
    assert result["customer"]["version"] == 2


@pytest.mark.parametrize("mode", ["BLOCK", "MERGE", "UPDATE"])
async def test_a_seller_cannot_fold_into_a_customer_of_another_portfolio(gql, factory, mode):
    tenant = await factory.tenant()
    ana, bruno = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    await create(gql, ana, name="Held", phone="(11) 94444-3333")
    before = await tenant_fingerprint(tenant.id)

    result = await create(gql, bruno, name="Mine", phone="(11) 94444-3333", email="x@y.com", onDuplicate=mode)

    assert result["__typename"] == "DuplicateCustomer"
    assert result["matches"][0]["customer"] is None
    assert await tenant_fingerprint(tenant.id) == before


async def test_folding_into_a_visible_customer_needs_update_permission(gql, factory, policy_edit):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    team = await factory.team(tenant)
    teammate = await factory.user(tenant, "seller", teams=[team])
    await policy_edit(
        lambda text: text.replace("p, seller, *, customer, read, team", "p, seller, *, customer, read, all")
    )
    await create(gql, teammate, name="Theirs", phone="(11) 94444-3333")

    result = await create(gql, seller, name="Mine", phone="(11) 94444-3333", onDuplicate="UPDATE")

    assert result["__typename"] == "DuplicateCustomer"
    assert result["matches"][0]["customer"]["name"] == "Theirs"  # visible to read...
    assert "may not update" in result["message"]  # ...but not to update


async def test_matching_two_different_customers_cannot_be_folded(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create(gql, admin, name="A", phone="(11) 91111-1111")
    await create(gql, admin, name="B", email="b@x.com")

    result = await create(gql, admin, name="C", phone="(11) 91111-1111", email="b@x.com", onDuplicate="MERGE")

    assert result["__typename"] == "DuplicateCustomer"
    assert len(result["matches"]) == 2
    assert "merge them first" in result["message"]


# --- candidates and groups ---------------------------------------------------------------------

CANDIDATES = """
query($input: DuplicateCandidatesInput!) {
  duplicateCandidates(input: $input) { fields heldByAnotherPortfolio customer { id name } }
}
"""


async def test_candidates_answer_before_saving(gql, factory):
    tenant = await factory.tenant()
    seller, other = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    mine = await create(gql, seller, name="Mine", email="mine@x.com")
    await create(gql, other, name="Theirs", phone="(11) 95555-0000")

    data = await gql.data(CANDIDATES, {"input": {"email": "MINE@x.com", "phone": "11 95555 0000"}}, as_=seller)
    excluded = await gql.data(
        CANDIDATES, {"input": {"email": "mine@x.com", "excludeId": mine["customer"]["id"]}}, as_=seller
    )

    matches = sorted(data["duplicateCandidates"], key=lambda m: m["fields"])
    assert matches == [
        {
            "fields": ["EMAIL"],
            "heldByAnotherPortfolio": False,
            "customer": {"id": mine["customer"]["id"], "name": "Mine"},
        },
        {"fields": ["PHONE"], "heldByAnotherPortfolio": True, "customer": None},
    ]
    assert excluded["duplicateCandidates"] == []


async def test_candidates_refuse_invalid_values(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")

    body = await gql.post(CANDIDATES, {"input": {"phone": "12"}}, as_=seller)

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


GROUPS = """
query($after: String) { duplicateGroups(first: 2, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { kind value size customers { name } } } }
"""


async def test_groups_list_existing_clusters_biggest_first(gql, factory):
    tenant = await factory.tenant(allow_duplicates=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    for i in range(3):
        await create(gql, admin, name=f"P{i}", phone="(11) 97777-0000")
    for i in range(2):
        await create(gql, admin, name=f"E{i}", email="shared@x.com")
    for i in range(2):
        await create(gql, admin, name=f"W{i}", whatsapp="(21) 98888-0000")
    await create(gql, admin, name="Alone", email="alone@x.com")

    first = (await gql.data(GROUPS, as_=admin))["duplicateGroups"]
    second = (await gql.data(GROUPS, {"after": first["pageInfo"]["endCursor"]}, as_=admin))["duplicateGroups"]
    refused = await gql.post(GROUPS, as_=seller)

    assert first["totalCount"] == 3
    assert [g["size"] for g in first["nodes"]] == [3, 2]
    assert first["nodes"][0]["value"] == "+5511977770000"
    assert sorted(c["name"] for c in first["nodes"][0]["customers"]) == ["P0", "P1", "P2"]
    assert [g["size"] for g in second["nodes"]] == [2]
    assert second["pageInfo"]["hasNextPage"] is False
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
