"""Customers' ids in other systems: set on create/update, unique per source, looked up, merged."""

from __future__ import annotations

from typing import Any

from models.db import fetchval
from models.sql import Sql
from tests.factories import gid

FIELDS = "id name originChannel externalIds { source id }"
CREATE = f"""
mutation($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{
    __typename
    ... on CreateCustomerSuccess {{ customer {{ {FIELDS} }} }}
    ... on ValidationFailed {{ fields {{ field code }} }}
  }}
}}
"""
UPDATE = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{
    __typename
    ... on UpdateCustomerSuccess {{ customer {{ {FIELDS} }} }}
    ... on ValidationFailed {{ fields {{ field code }} }}
  }}
}}
"""
BY_EXTERNAL_ID = f"query($s: String!, $id: String!) {{ customerByExternalId(source: $s, id: $id) {{ {FIELDS} }} }}"
MERGE = """
mutation($input: MergeCustomersInput!) {
  mergeCustomers(input: $input) { __typename ... on MergeCustomersSuccess { customer { externalIds { source id } } } }
}
"""
UNDO = """
mutation($input: UndoMergeInput!) { undoMerge(input: $input) { __typename } }
"""
LIST = "query { customers(first: 50) { edges { node { name externalIds { source id } } } } }"


async def create(gql: Any, user: Any, **fields: Any) -> dict[str, Any]:
    answer = (await gql.data(CREATE, {"input": fields}, as_=user))["createCustomer"]
    return answer


async def test_ids_are_stored_lower_cased_and_shown_by_source(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    made = await create(
        gql, admin, name="Ana", externalIds=[{"source": " Shopify ", "id": "123"}, {"source": "erp", "id": "A-9"}]
    )

    assert made["__typename"] == "CreateCustomerSuccess", made
    assert made["customer"]["externalIds"] == [{"source": "erp", "id": "A-9"}, {"source": "shopify", "id": "123"}]
    found = (await gql.data(BY_EXTERNAL_ID, {"s": "SHOPIFY", "id": "123"}, as_=admin))["customerByExternalId"]
    assert found["id"] == made["customer"]["id"]


async def test_an_id_belongs_to_one_customer_per_source(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create(gql, admin, name="First", externalIds=[{"source": "shopify", "id": "1"}])

    taken = await create(gql, admin, name="Second", externalIds=[{"source": "shopify", "id": "1"}])
    other_source = await create(gql, admin, name="Third", externalIds=[{"source": "erp", "id": "1"}])

    assert taken == {"__typename": "ValidationFailed", "fields": [{"field": "externalIds.0", "code": "TAKEN"}]}
    assert other_source["__typename"] == "CreateCustomerSuccess"
    names = await fetchval(Sql("SELECT array_agg(name ORDER BY name) FROM customer WHERE tenant_id = %s", tenant.id))
    assert names == ["First", "Third"]  # the refused create wrote nothing


async def test_another_company_may_use_the_same_id(gql, factory):
    for _ in range(2):
        tenant = await factory.tenant()
        admin = await factory.user(tenant, "admin")
        made = await create(gql, admin, name="Anyone", externalIds=[{"source": "shopify", "id": "same"}])
        assert made["__typename"] == "CreateCustomerSuccess"


async def test_bad_ids_are_refused(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    answer = await create(
        gql,
        admin,
        name="Bad",
        externalIds=[
            {"source": "no spaces", "id": "1"},
            {"source": "ok", "id": " "},
            {"source": "ok", "id": "2"},
            {"source": "OK", "id": "2"},
        ],
    )

    assert answer["__typename"] == "ValidationFailed"
    assert [(f["field"], f["code"]) for f in answer["fields"]] == [
        ("externalIds.0.source", "INVALID"),
        ("externalIds.1.id", "INVALID"),
        ("externalIds.3", "DUPLICATE"),
    ]


async def test_update_replaces_the_ids_of_the_sources_it_lists(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    made = await create(
        gql, admin, name="Bia", externalIds=[{"source": "shopify", "id": "1"}, {"source": "erp", "id": "E"}]
    )

    updated = (
        await gql.data(
            UPDATE,
            {"input": {"id": made["customer"]["id"], "externalIds": [{"source": "shopify", "id": "2"}]}},
            as_=admin,
        )
    )["updateCustomer"]

    assert updated["customer"]["externalIds"] == [{"source": "erp", "id": "E"}, {"source": "shopify", "id": "2"}]
    gone = (await gql.data(BY_EXTERNAL_ID, {"s": "shopify", "id": "1"}, as_=admin))["customerByExternalId"]
    assert gone is None
    # The freed id may go to another customer.
    again = await create(gql, admin, name="Cida", externalIds=[{"source": "shopify", "id": "1"}])
    assert again["__typename"] == "CreateCustomerSuccess"


async def test_the_lookup_and_the_field_respect_visibility(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    other = await factory.user(tenant, "seller")
    owner_gid = gid("User", seller.id)
    await create(gql, admin, name="Sellers", ownerId=owner_gid, externalIds=[{"source": "shopify", "id": "77"}])
    variables = {"s": "shopify", "id": "77"}

    mine = (await gql.data(BY_EXTERNAL_ID, variables, as_=seller))["customerByExternalId"]
    hidden = (await gql.data(BY_EXTERNAL_ID, variables, as_=other))["customerByExternalId"]
    unknown = (await gql.data(BY_EXTERNAL_ID, {"s": "shopify", "id": "78"}, as_=seller))["customerByExternalId"]

    assert mine["name"] == "Sellers" and mine["externalIds"] == [{"source": "shopify", "id": "77"}]
    assert hidden is None and unknown is None


async def test_a_page_of_customers_reads_their_ids_in_one_statement(gql, factory, count_statements):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    for n in range(5):
        await create(gql, admin, name=f"C{n}", externalIds=[{"source": "shopify", "id": str(n)}])

    with count_statements() as counter:
        page = (await gql.data(LIST, as_=admin))["customers"]["edges"]

    assert sorted(e["node"]["externalIds"][0]["id"] for e in page) == ["0", "1", "2", "3", "4"]
    assert counter.count == 2, counter.statements  # the caller, then one statement builds the page


async def test_merging_keeps_both_customers_ids_on_the_primary_and_undo_gives_them_back(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    primary = (await create(gql, admin, name="P", externalIds=[{"source": "shopify", "id": "p"}]))["customer"]
    dup = (await create(gql, admin, name="D", externalIds=[{"source": "shopify", "id": "d"}]))["customer"]

    merged = (await gql.data(MERGE, {"input": {"primaryId": primary["id"], "duplicateIds": [dup["id"]]}}, as_=admin))[
        "mergeCustomers"
    ]

    assert merged["customer"]["externalIds"] == [{"source": "shopify", "id": "d"}, {"source": "shopify", "id": "p"}]
    found = (await gql.data(BY_EXTERNAL_ID, {"s": "shopify", "id": "d"}, as_=admin))["customerByExternalId"]
    assert found["id"] == primary["id"]

    merge_id = await fetchval(Sql("SELECT id FROM customer_merge WHERE tenant_id = %s", tenant.id))
    await gql.data(UNDO, {"input": {"mergeId": gid("Merge", merge_id)}}, as_=admin)
    back = (await gql.data(BY_EXTERNAL_ID, {"s": "shopify", "id": "d"}, as_=admin))["customerByExternalId"]
    assert back["id"] == dup["id"]


async def test_customers_an_api_key_creates_come_from_the_api_unless_it_says(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")
    headers = {"X-Api-Key": key}

    plain = await gql.post(CREATE, {"input": {"name": "By Key"}}, headers=headers)
    chosen = await gql.post(CREATE, {"input": {"name": "By Key 2", "originChannel": "WHATSAPP"}}, headers=headers)
    admin = await factory.user(tenant, "admin")
    by_person = await create(gql, admin, name="By Person")

    assert plain["data"]["createCustomer"]["customer"]["originChannel"] == "API"
    assert chosen["data"]["createCustomer"]["customer"]["originChannel"] == "WHATSAPP"
    assert by_person["customer"]["originChannel"] == "MANUAL"


async def test_an_update_with_a_taken_id_changes_nothing(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create(gql, admin, name="Holder", externalIds=[{"source": "shopify", "id": "h"}])
    other = (await create(gql, admin, name="Other"))["customer"]

    refused = (
        await gql.data(
            UPDATE,
            {"input": {"id": other["id"], "name": "Renamed", "externalIds": [{"source": "shopify", "id": "h"}]}},
            as_=admin,
        )
    )["updateCustomer"]

    assert refused == {"__typename": "ValidationFailed", "fields": [{"field": "externalIds.0", "code": "TAKEN"}]}
    renamed = await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s AND name = 'Renamed'", tenant.id))
    assert renamed == 0
