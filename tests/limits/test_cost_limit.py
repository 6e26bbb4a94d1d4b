"""A request whose nested lists could produce too many objects is refused before it runs."""

from __future__ import annotations

import pytest
from graphql import parse

from schema.cost import operation_cost
from schema.schema import Limits, build_schema
from tests.helpers import error_codes

# The shape that made a million objects: notes of the notes' customers of a page of customers.
NOTES_THREE_DEEP = """{ customers(first: 100) { edges { node { notes(first: 100) { nodes { author { name }
  customer { notes(first: 100) { nodes { body } } } } } } } } }"""
A_PAGE_WITH_ITS_NOTES = "{ customers(first: 100) { nodes { name notes(first: 100) { nodes { body } } } } }"


@pytest.fixture(scope="module")
def graphql_schema():
    return build_schema()._schema


def cost(graphql_schema, query, variables=None, operation_name=None):
    return operation_cost(graphql_schema, parse(query), operation_name, variables)


def test_nested_page_sizes_multiply_and_every_list_adds_up(graphql_schema):
    assert cost(graphql_schema, A_PAGE_WITH_ITS_NOTES) == 100 + 100 * 100
    assert cost(graphql_schema, NOTES_THREE_DEEP) == 100 + 100**2 + 100**3


def test_edges_and_nodes_are_the_page_of_their_connection(graphql_schema):
    one = "{ customers(first: 10) { nodes { id } } }"
    both = "{ customers(first: 10) { totalCount pageInfo { hasNextPage } edges { cursor node { id } } nodes { id } } }"

    assert cost(graphql_schema, one) == 10
    assert cost(graphql_schema, both) == 10
    assert cost(graphql_schema, "{ customers(first: 10) { edges { node { notes(first: 5) { nodes { id } } } } "
                                "nodes { notes(first: 5) { nodes { id } } } } }") == 10 + 50 + 50  # fmt: skip


def test_page_sizes_come_from_variables_their_defaults_or_the_argument_default(graphql_schema):
    query = "query Q($n: Int, $m: Int = 7) { customers(first: $n) { nodes { notes(first: $m) { nodes { id } } } } }"

    assert cost(graphql_schema, query, {"n": 100, "m": 100}) == 100 + 100 * 100
    assert cost(graphql_schema, query, {"n": 3}) == 3 + 3 * 7
    # Absent and without a default: the argument's own default page size (20).
    assert cost(graphql_schema, query) == 20 + 20 * 7
    assert cost(graphql_schema, "{ customers { nodes { notes { nodes { id } } } } }") == 20 + 20 * 20


def test_aliases_fragments_and_union_members_are_each_counted(graphql_schema):
    query = """
      query { a: customers(first: 10) { nodes { ...Notes } }  b: customers(first: 10) { nodes { ...Notes } } }
      fragment Notes on Customer {
        notes(first: 10) { nodes { id } }
        timeline(first: 10) { nodes { ... on Note { customer { tasks(first: 10) { nodes { id } } } } } }
      }
    """
    per_root = 10 + 10 * 10 + 10 * 10 + 10 * 10 * 10

    assert cost(graphql_schema, query) == 2 * per_root


def test_lists_without_page_arguments_count_their_maximum_or_the_default(graphql_schema):
    # openTasks holds at most 100; other plain lists count 20 items.
    assert cost(graphql_schema, "{ customers(first: 10) { nodes { openTasks { id } } } }") == 10 + 10 * 100
    assert cost(graphql_schema, "{ customers(first: 10) { nodes { tags { name } } } }") == 10 + 10 * 20
    assert cost(graphql_schema, "{ me { name } }") == 0


def test_the_operation_named_is_the_one_counted(graphql_schema):
    query = "query Small { customers(first: 1) { nodes { id } } } query Big { customers(first: 90) { nodes { id } } }"

    assert cost(graphql_schema, query, operation_name="Small") == 1
    assert cost(graphql_schema, query, operation_name="Big") == 90


async def test_over_the_limit_is_refused_with_the_cost_and_the_limit_before_anything_runs(
    gql, factory, settings, count_statements
):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    await factory.customer(tenant, name="Someone", owner=seller)

    with count_statements() as baseline:
        await gql.post("{ __typename }", as_=seller)
    with count_statements() as refused_run:
        refused = await gql.post(NOTES_THREE_DEEP, as_=seller)

    assert refused["data"] is None
    assert error_codes(refused) == ["QUERY_TOO_COMPLEX"]
    error = refused["errors"][0]
    assert error["extensions"]["cost"] == 1_010_100
    assert error["extensions"]["limit"] == settings.max_nodes
    assert f"{settings.max_nodes:,}" in error["message"]
    # Refused before execution: no statement beyond authentication.
    assert refused_run.count == baseline.count


async def test_a_page_of_customers_with_a_full_page_of_notes_each_passes(gql, factory, settings):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    await factory.customer(tenant, name="Someone", owner=seller)

    data = await gql.data(A_PAGE_WITH_ITS_NOTES, as_=seller)

    assert data["customers"]["nodes"][0]["name"] == "Someone"
    assert settings.max_nodes >= 10_100


async def test_variables_decide_the_cost_of_the_same_document(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    query = """query Q($n: Int!) { customers(first: $n) { nodes { notes(first: $n) { nodes {
      customer { notes(first: $n) { nodes { id } } } } } } } }"""

    small = await gql.post(query, {"n": 5}, as_=seller)
    big = await gql.post(query, {"n": 100}, as_=seller)
    small_again = await gql.post(query, {"n": 5}, as_=seller)

    assert "errors" not in small and "errors" not in small_again
    assert error_codes(big) == ["QUERY_TOO_COMPLEX"]


async def test_the_limit_is_configurable():
    schema = build_schema(Limits(max_nodes=50))

    fits = await schema.execute("{ __typename }")
    over = await schema.execute("{ customers(first: 51) { nodes { id } } }")

    assert fits.errors is None
    assert over.errors[0].extensions == {"code": "QUERY_TOO_COMPLEX", "cost": 51, "limit": 50}
