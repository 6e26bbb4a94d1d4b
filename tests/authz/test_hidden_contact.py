"""With hideContactFromSellers, a seller never learns a customer's email, phone or WhatsApp."""

from __future__ import annotations

import json

import pytest

from tests.helpers import gid

EMAIL, PHONE, WHATSAPP = "maria.secret@example.com", "(11) 98765-1234", "(21) 97654-3210"


@pytest.fixture
async def hidden(factory, gql):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin, supervisor = await factory.user(tenant, "admin"), await factory.user(tenant, "supervisor")
    seller = await factory.user(tenant, "seller")
    created = await gql.data(
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { ... on CreateCustomerSuccess { customer { id } } } }",
        {"i": {"name": "Maria Secreta", "email": EMAIL, "phone": PHONE, "whatsapp": WHATSAPP, "ownerId": seller.gid}},
        as_=admin,
    )
    return tenant, admin, supervisor, seller, created["createCustomer"]["customer"]["id"]


def leaks(payload) -> list[str]:
    text = json.dumps(payload)
    return [v for v in ("maria.secret", "98765", "8765-1234", "97654", "5511987651234", "5521976543210") if v in text]


async def test_sellers_get_nulls_and_a_lock_while_others_see_the_data(gql, hidden):
    _, admin, supervisor, seller, cid = hidden
    query = "query($id: ID!) { customer(id: $id) { email phone phoneE164 whatsapp whatsappE164 contactHidden } }"

    as_seller = (await gql.data(query, {"id": cid}, as_=seller))["customer"]
    as_admin = (await gql.data(query, {"id": cid}, as_=admin))["customer"]
    as_supervisor = (await gql.data(query, {"id": cid}, as_=supervisor))["customer"]

    assert as_seller == {
        "email": None,
        "phone": None,
        "phoneE164": None,
        "whatsapp": None,
        "whatsappE164": None,
        "contactHidden": True,
    }
    assert as_admin["email"] == EMAIL and as_admin["contactHidden"] is False
    assert as_supervisor["phoneE164"] == "+5511987651234"


async def test_aliases_fragments_and_node_do_not_leak(gql, hidden):
    _, _, _, seller, cid = hidden
    query = """
    query($id: ID!) {
      a: customer(id: $id) { x: email y: phone z: whatsappE164 }
      b: node(id: $id) { ... on Customer { email phoneE164 } ...C }
      c: customers(portfolio: ALL) { nodes { ...C } edges { node { w: whatsapp } } }
    }
    fragment C on Customer { email phone whatsapp }
    """

    data = await gql.data(query, {"id": cid}, as_=seller)

    assert leaks(data) == []
    assert data["a"] == {"x": None, "y": None, "z": None}


async def test_partial_search_on_contact_data_finds_nothing_and_counts_nothing(gql, hidden):
    _, admin, _, seller, _ = hidden
    query = "query($s: String) { customers(search: $s, portfolio: ALL) { totalCount nodes { name } } }"

    for partial in ("maria.secret", "example.com", "98765", "1234", "9876-5123", "5521"):
        seen = await gql.data(query, {"s": partial}, as_=seller)
        assert seen["customers"]["totalCount"] == 0, partial
    # the same partial searches do find the customer for someone allowed to see contact data
    assert (await gql.data(query, {"s": "98765"}, as_=admin))["customers"]["totalCount"] == 1


@pytest.mark.parametrize(
    "exact", [EMAIL, "MARIA.SECRET@example.COM", "+55 11 98765-1234", "11987651234", "(11) 8765-1234", "21 97654 3210"]
)
async def test_an_exact_full_email_or_phone_finds_the_customer_without_showing_it(gql, hidden, exact):
    _, _, _, seller, cid = hidden
    query = "query($s: String) { customers(search: $s, portfolio: ALL) { totalCount nodes { id email phone } } }"

    data = await gql.data(query, {"s": exact}, as_=seller)

    assert data["customers"]["totalCount"] == 1
    assert data["customers"]["nodes"] == [{"id": cid, "email": None, "phone": None}]


async def test_duplicate_answers_do_not_leak(gql, hidden):
    _, _, _, seller, cid = hidden

    dup = await gql.data(
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename "
        "... on DuplicateCustomer { message matches { fields customer { id email phone whatsapp } } } } }",
        {"i": {"name": "Again", "phone": PHONE}},
        as_=seller,
    )
    candidates = await gql.data(
        "query($i: DuplicateCandidatesInput!) { duplicateCandidates(input: $i) { fields customer { email phone } } }",
        {"i": {"email": EMAIL}},
        as_=seller,
    )

    assert dup["createCustomer"]["__typename"] == "DuplicateCustomer"
    assert dup["createCustomer"]["matches"][0]["customer"]["id"] == cid
    assert leaks(dup) == [] and leaks(candidates) == []


async def test_duplicate_groups_hide_the_shared_value(gql, factory, policy_edit):
    tenant = await factory.tenant(hide_contact_from_sellers=True, allow_duplicates=True)
    seller = await factory.user(tenant, "seller")
    for name in ("A", "B"):
        await factory.customer(tenant, name=name, owner=seller, email=EMAIL, email_normalized=EMAIL)
    from models.db import execute
    from models.sql import Sql

    await execute(
        Sql(
            "INSERT INTO customer_contact_key (tenant_id, customer_id, kind, value, exclusive) "
            "SELECT tenant_id, id, 'email', email_normalized, false FROM customer WHERE tenant_id = %s",
            tenant.id,
        )
    )
    await policy_edit(lambda text: text + "\np, seller, *, duplicate, read, own\n")

    data = await gql.data("{ duplicateGroups { nodes { kind value size customers { email } } } }", as_=seller)

    assert data["duplicateGroups"]["nodes"] == [
        {"kind": "EMAIL", "value": None, "size": 2, "customers": [{"email": None}, {"email": None}]}
    ]


async def test_merge_results_do_not_leak(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    seller = await factory.user(tenant, "seller")
    a = await factory.customer(tenant, name="A", owner=seller)
    b = await factory.customer(tenant, name="B", owner=seller, email=EMAIL, email_normalized=EMAIL)

    data = await gql.data(
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { ... on MergeCustomersSuccess { "
        "customer { email contactHidden } merge { primary { email } } } } }",
        {"i": {"primaryId": gid(a), "duplicateIds": [gid(b)]}},
        as_=seller,
    )

    assert data["mergeCustomers"]["customer"] == {"email": None, "contactHidden": True}
    assert leaks(data) == []


async def test_validation_errors_do_not_echo_values(gql, hidden):
    _, _, _, seller, cid = hidden

    data = await gql.data(
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename "
        "... on ValidationFailed { message fields { message } } } }",
        {"i": {"id": cid, "phone": "98765 not a phone"}},
        as_=seller,
    )

    assert data["updateCustomer"]["__typename"] == "ValidationFailed"
    assert leaks(data) == []


async def test_the_policy_decides_who_is_exempt(gql, hidden, policy_edit):
    _, _, _, seller, cid = hidden
    await policy_edit(lambda text: text + "\np, seller, *, customer, view_contact, all\n")

    data = await gql.data("query($id: ID!) { customer(id: $id) { email contactHidden } }", {"id": cid}, as_=seller)

    assert data["customer"] == {"email": EMAIL, "contactHidden": False}
