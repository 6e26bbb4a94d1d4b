"""No string with a NUL character or a lone surrogate gets in, wherever it comes from.

Literals in the document, variables at any depth (object keys and JSON custom values too),
search text: each is refused before anything runs, as BAD_USER_INPUT naming where it was.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import count_customers, error_codes, tenant_fingerprint
from tests.queries import CREATE, LIST

SEARCH = "query($s: String) { customers(search: $s) { totalCount } }"


async def post_raw(http, user, raw: str):
    """POST a JSON text as written: json.dumps would refuse to write a lone surrogate escape."""
    response = await http.post(
        "/graphql",
        content=raw.encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {user.token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def admin(factory):
    tenant = await factory.tenant()
    return await factory.user(tenant, "admin")


@pytest.mark.parametrize(
    ("variables", "where"),
    [
        ({"input": {"name": "Ana\u0000"}}, "$input.name"),
        ({"input": {"name": "Ana", "address": {"city": "Rio\u0000"}}}, "$input.address.city"),
        ({"input": {"name": "Ana", "tags": ["ok", "v\u0000ip"]}}, "$input.tags[1]"),
        (
            {"input": {"name": "Ana", "customFields": [{"key": "notes", "value": "a\u0000b"}]}},
            "$input.customFields[0].value",
        ),
        (
            {"input": {"name": "Ana", "customFields": [{"key": "x", "value": {"deep": ["\u0000"]}}]}},
            "$input.customFields[0].value.deep[0]",
        ),
        (
            {"input": {"name": "Ana", "customFields": [{"key": "x", "value": {"k\u0000": 1}}]}},
            "$input.customFields[0].value",
        ),
    ],
)
async def test_a_nul_in_a_variable_is_refused_naming_its_path(gql, admin, variables, where):
    before = await tenant_fingerprint(admin.tenant.id)

    body = await gql.post(CREATE, variables, as_=admin)

    assert body["data"] is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"].startswith(f"Variable {where}")
    assert "NUL" in body["errors"][0]["message"]
    assert await tenant_fingerprint(admin.tenant.id) == before


async def test_a_nul_in_search_text_is_refused(gql, admin):
    body = await gql.post(SEARCH, {"s": "ana\u0000"}, as_=admin)

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "Variable $s contains a NUL character."


async def test_a_nul_in_a_variable_the_operation_does_not_use_is_refused_too(gql, admin):
    body = await gql.post(LIST, {"first": 1, "unused": {"x": "\u0000"}}, as_=admin)

    assert error_codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            '{ customers(search: "ana\\u0000") { totalCount } }',
            'Argument "search" of field "customers" contains a NUL character.',
        ),
        (
            'mutation { createCustomer(input: {name: "Ana\\u0000"}) { __typename } }',
            'Argument "input.name" of field "createCustomer" contains a NUL character.',
        ),
        (
            'mutation { createCustomer(input: {name: "Ana", address: {city: "\\u0000"}}) { __typename } }',
            'Argument "input.address.city" of field "createCustomer" contains a NUL character.',
        ),
        (
            'mutation { createCustomer(input: {name: "Ana", tags: ["a", "\\u0000"]}) { __typename } }',
            'Argument "input.tags[1]" of field "createCustomer" contains a NUL character.',
        ),
        (
            'mutation { createCustomer(input: {name: "Ana", customFields: [{key: "x", value: {k: "\\u0000"}}]}) '
            "{ __typename } }",
            'Argument "input.customFields[0].value.k" of field "createCustomer" contains a NUL character.',
        ),
        (
            'mutation { createCustomer(input: {name: """Ana\x00"""}) { __typename } }',  # a raw NUL in a block string
            'Argument "input.name" of field "createCustomer" contains a NUL character.',
        ),
        (
            'query($s: String = "\\u0000") { customers(search: $s) { totalCount } }',
            "The default value of $s contains a NUL character.",
        ),
    ],
)
async def test_a_nul_in_a_literal_is_refused_naming_the_argument(gql, admin, document, message):
    body = await gql.post(document, as_=admin)

    assert body["data"] is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == message
    assert await count_customers(admin.tenant.id) == 0


@pytest.mark.parametrize(
    ("raw_variables", "where"),
    [
        ('{"s": "ana\\ud800"}', "$s"),
        ('{"s": "\\udc00"}', "$s"),
        ('{"input": {"name": "Ana", "customFields": [{"key": "x", "value": {"\\ud83d": 1}}]}}', "$input"),
    ],
)
async def test_a_lone_surrogate_in_a_variable_is_refused(http, admin, raw_variables, where):
    raw = json.dumps({"query": SEARCH})[:-1] + f', "variables": {raw_variables}}}'

    body = await post_raw(http, admin, raw)

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"].startswith(f"Variable {where}")
    assert "lone surrogate" in body["errors"][0]["message"]


async def test_a_paired_surrogate_is_an_ordinary_character(http, admin):
    raw = json.dumps({"query": SEARCH})[:-1] + ', "variables": {"s": "\\ud83d\\ude00"}}'

    body = await post_raw(http, admin, raw)

    assert body == {"data": {"customers": {"totalCount": 0}}}


@pytest.mark.parametrize(
    "query",
    [
        '{ customers(search: "\\ud800") { totalCount } }',  # an escape in the document
        '{ customers(search: "\ud800") { totalCount } }',  # the character itself
    ],
)
async def test_a_lone_surrogate_in_a_literal_is_a_syntax_error(http, admin, query):
    raw = json.dumps({"query": query})  # ensure_ascii writes the lone surrogate as an escape

    body = await post_raw(http, admin, raw)

    assert body["data"] is None
    assert error_codes(body) == ["BAD_REQUEST"]
    assert "Syntax Error" in body["errors"][0]["message"]


async def test_a_lone_surrogate_in_the_operation_name_is_refused(http, admin):
    response = await http.post(
        "/graphql",
        content=b'{"query": "query A { __typename }", "operationName": "A\\ud800"}',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


async def test_ordinary_unicode_goes_through(gql, admin):
    body = await gql.post(CREATE, {"input": {"name": "José Çà 日本 🎉"}}, as_=admin)

    assert body["data"]["createCustomer"]["customer"]["name"] == "José Çà 日本 🎉"


async def test_under_graphql_response_json_a_refused_string_is_a_400_without_data(http, admin):
    response = await http.post(
        "/graphql",
        json={"query": SEARCH, "variables": {"s": "\u0000"}},
        headers={"accept": "application/graphql-response+json", "authorization": f"Bearer {admin.token}"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "Variable $s contains a NUL character.", "extensions": {"code": "BAD_USER_INPUT"}}]
    }
