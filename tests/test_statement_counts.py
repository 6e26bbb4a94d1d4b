"""Nested fields load through DataLoaders: a page costs the same statements whatever its size."""

from __future__ import annotations

import json

import pytest

from tests.helpers import gid

PAGE = """
query($first: Int) {
  customers(first: $first) {
    totalCount
    nodes { id name email tags { id name } owner { id name } }
  }
}
"""


@pytest.fixture
async def tenant_with_customers(factory, gql):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    sellers = [await factory.user(tenant, "seller") for _ in range(3)]
    for i in range(60):
        pk = await factory.customer(tenant, name=f"Customer {i}", owner=sellers[i % 3])
        await gql.data(
            "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
            {"i": {"customerId": gid(pk), "tags": [f"t{i % 4}", "all"]}},
            as_=admin,
        )
    return admin


@pytest.mark.parametrize("first", [1, 10, 50])
async def test_customers_with_tags_and_owner_cost_a_fixed_number_of_statements(
    gql, count_statements, tenant_with_customers, first
):
    admin = tenant_with_customers
    with count_statements() as counter:
        data = await gql.data(PAGE, {"first": first}, as_=admin)

    assert len(data["customers"]["nodes"]) == first
    assert all(len(n["tags"]) == 2 for n in data["customers"]["nodes"])
    # authenticate + page + count + tags + owners
    assert counter.count == 5, counter.statements


@pytest.mark.parametrize("first", [1, 50])
async def test_custom_field_values_cost_one_statement_per_request_whatever_the_page_size(
    gql, count_statements, factory, first
):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.custom_field(tenant, "tier", "select", options=["Gold", "Silver"])
    await factory.custom_field(tenant, "employees", "number")
    for i in range(60):
        await factory.customer(tenant, custom_fields=json.dumps({"tier": "Gold", "employees": i}))
    query = "query($first: Int) { customers(first: $first) { totalCount nodes { id customFields { key value } } } }"

    with count_statements() as counter:
        data = await gql.data(query, {"first": first}, as_=admin)

    assert len(data["customers"]["nodes"]) == first
    assert all(len(n["customFields"]) == 2 for n in data["customers"]["nodes"])
    # authenticate + page + count + the tenant's definitions, once
    assert counter.count == 4, counter.statements
