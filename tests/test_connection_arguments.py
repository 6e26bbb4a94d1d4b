"""Page arguments get one answer on every connection, root or nested: BAD_USER_INPUT on that list.

The schema is walked, so a connection field added later is checked without editing this file
(unless it hangs from a type the test does not yet know how to reach: then it says so).
"""

from __future__ import annotations

import pytest
from graphql import GraphQLNamedType, GraphQLObjectType, get_named_type

from schema.schema import build_schema
from tests.helpers import error_codes
from tests.imports.support import csv_bytes, uploaded

# How a query reaches an object of each type that has connection fields; %s is the selection.
REACH = {
    "Query": "%s",
    "Customer": "customers(first: 1) { nodes { %s } }",
    "Conversation": "customers(first: 1) { nodes { conversations(first: 1) { nodes { %s } } } }",
    "SavedFilter": "savedFilters { %s }",
    "Import": "imports(first: 1) { nodes { %s } }",
}
# Out of range, and cursors that are not cursors ("WzFd" is base64 of the JSON [1]).
BAD_PAGES = ["first: -1", "first: 101", "first: 0", 'after: "garbage"', 'after: "WzFd"']


def _is_connection(named: GraphQLNamedType) -> bool:
    return isinstance(named, GraphQLObjectType) and {"edges", "nodes", "pageInfo"} <= set(named.fields)


def connection_fields() -> list[tuple[str, str]]:
    schema = build_schema()._schema
    found = []
    for type_name, graphql_type in sorted(schema.type_map.items()):
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType) or type_name == "Mutation":
            continue
        for field_name, graphql_field in graphql_type.fields.items():
            if _is_connection(get_named_type(graphql_field.type)):
                found.append((type_name, field_name))
    return found


CONNECTIONS = connection_fields()


@pytest.fixture
async def company(gql, factory):
    """One customer with a conversation, a saved list and an import: every connection can be reached."""
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "admin")
    await gql.data(
        "mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename } }",
        {"i": {"channel": "WHATSAPP", "from": "+5511977770000", "body": "oi", "customerName": "Joana"}},
        as_=key,
    )
    await gql.data(
        "mutation($i: SaveFilterInput!) { saveFilter(input: $i) { __typename } }", {"i": {"name": "All"}}, as_=admin
    )
    await uploaded(gql, admin, csv_bytes([["nome"], ["Ana"]]))
    return admin


def test_the_walk_finds_the_connections_and_knows_how_to_reach_them():
    owners = {owner for owner, _ in CONNECTIONS}

    assert ("Customer", "notes") in CONNECTIONS and ("Conversation", "messages") in CONNECTIONS
    assert ("SavedFilter", "customers") in CONNECTIONS and ("Query", "customers") in CONNECTIONS
    assert owners <= set(REACH), f"add to REACH how a query gets to {owners - set(REACH)}"


@pytest.mark.parametrize(("owner", "field"), CONNECTIONS, ids=[f"{o}.{f}" for o, f in CONNECTIONS])
async def test_every_connection_refuses_bad_page_arguments_as_bad_user_input(gql, company, owner, field):
    for arguments in BAD_PAGES:
        query = "{ " + REACH[owner] % f"{field}({arguments}) {{ nodes {{ __typename }} }}" + " }"

        body = await gql.post(query, as_=company)

        assert error_codes(body) == ["BAD_USER_INPUT"], (arguments, body)
        assert body["errors"][0]["path"][-1] == field, (arguments, body)  # on the list itself
        assert body["errors"][0]["extensions"]["fields"][0]["field"] in ("first", "after")


@pytest.mark.parametrize(("owner", "field"), CONNECTIONS, ids=[f"{o}.{f}" for o, f in CONNECTIONS])
async def test_every_connection_takes_good_page_arguments(gql, company, owner, field):
    query = "{ " + REACH[owner] % f"{field}(first: 100) {{ nodes {{ __typename }} pageInfo {{ endCursor }} }}" + " }"

    body = await gql.post(query, as_=company)

    assert "errors" not in body, body


async def test_a_refused_nested_list_leaves_the_rest_of_the_answer(gql, company):
    body = await gql.post(
        """{ customers(first: 5) { nodes { name bad: notes(after: "garbage") { totalCount }
             good: notes(first: 1) { totalCount } tasks(first: -1) { totalCount }
             conversations(first: 1) { totalCount } } } }""",
        as_=company,
    )

    (joana,) = body["data"]["customers"]["nodes"]
    assert joana["name"] == "Joana"
    assert joana["bad"] is None and joana["tasks"] is None
    assert joana["good"] == {"totalCount": 0} and joana["conversations"] == {"totalCount": 1}
    assert sorted(e["path"][-1] for e in body["errors"]) == ["bad", "tasks"]
    assert set(error_codes(body)) == {"BAD_USER_INPUT"}


@pytest.mark.parametrize("arguments", BAD_PAGES)
async def test_the_compiled_and_the_general_list_path_answer_alike(gql, company, arguments):
    compiled = await gql.post(f"{{ customers({arguments}) {{ nodes {{ name }} }} }}", as_=company)
    general = await gql.post(f"{{ __typename customers({arguments}) {{ nodes {{ name }} }} }}", as_=company)

    assert error_codes(compiled) == error_codes(general) == ["BAD_USER_INPUT"]
    assert compiled["errors"][0]["message"] == general["errors"][0]["message"]
