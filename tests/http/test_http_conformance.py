"""GraphQL over HTTP: media types, status codes and malformed requests, as the spec asks.

The checks follow the GraphQL-over-HTTP spec and the graphql-http audit's server checks: a request
that is not well-formed is refused with a 4xx and the usual error shape before anything runs; a
well-formed one answers 200 under application/json, and under application/graphql-response+json
a request error (the document was not executed) answers 400 without ``data``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import count_customers, error_codes

GRAPHQL_RESPONSE = "application/graphql-response+json"
ME = "{ me { role } }"


async def post(
    http: Any, body: Any, *, accept: str | None = "application/json", raw: bytes | None = None, **headers: str
):
    sent = {"content-type": "application/json", **headers}
    content = raw if raw is not None else json.dumps(body).encode()
    request = http.build_request("POST", "/graphql", content=content, headers=sent)
    if accept is None:
        del request.headers["accept"]  # httpx sends "*/*" unless told otherwise
    else:
        request.headers["accept"] = accept
    return await http.send(request)


def refused(response: Any, status: int = 400, code: str = "BAD_REQUEST") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert "data" not in body
    assert error_codes(body) == [code]
    assert body["errors"][0]["message"]
    return body


# --- bodies that are not a GraphQL request ---------------------------------------------------

NOT_AN_OBJECT = [b"null", b"42", b'"{ me { role } }"', b"true", b"[]", b"NaN", b"{not json", b"{}garbage"]


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
@pytest.mark.parametrize("raw", NOT_AN_OBJECT)
async def test_a_body_that_is_not_a_json_object_is_a_400(http, raw, accept):
    refused(await post(http, None, raw=raw, accept=accept))


async def test_batches_are_refused_clearly(http):
    body = refused(await post(http, [{"query": ME}, {"query": ME}]))

    assert "batch" in body["errors"][0]["message"].lower()


async def test_a_body_that_is_not_utf8_is_a_400(http):
    body = refused(await post(http, None, raw='{"query": "{ me { role } }", "x": "Çé"}'.encode("latin-1")))

    assert "UTF-8" in body["errors"][0]["message"]


@pytest.mark.parametrize("depth", [100, 5_000, 100_000])
async def test_json_nested_deep_is_a_400(http, depth):
    variables = b"[" * depth + b"]" * depth
    raw = b'{"query": "query($v: JSON) { __typename }", "variables": {"v": ' + variables + b"}}"

    refused(await post(http, None, raw=raw))


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("query", {"obj": "ect"}),
        ("query", 0),
        ("query", False),
        ("query", ["array"]),
        ("operationName", {"obj": "ect"}),
        ("operationName", 0),
        ("operationName", False),
        ("operationName", ["array"]),
        ("variables", "string"),
        ("variables", 0),
        ("variables", False),
        ("variables", ["array"]),
        ("extensions", "string"),
        ("extensions", 0),
        ("extensions", False),
        ("extensions", ["array"]),
    ],
)
async def test_parameters_of_the_wrong_type_are_a_400(http, parameter, value, accept):
    body = {"query": "{ __typename }", parameter: value}

    refused(await post(http, body, accept=accept))


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
@pytest.mark.parametrize("body", [{}, {"qeury": "{ __typename }"}, {"query": None}, {"query": ""}])
async def test_a_request_without_a_query_is_a_400(http, body, accept):
    refused(await post(http, body, accept=accept))


@pytest.mark.parametrize("parameter", ["variables", "operationName", "extensions"])
async def test_null_optional_parameters_are_allowed(http, parameter):
    response = await post(http, {"query": "{ __typename }", parameter: None}, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_an_empty_body_is_a_400(http):
    refused(await post(http, None, raw=b""))


# --- Content-Type, Accept and methods ---------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "application/graphql",
    ],
)
async def test_an_unsupported_content_type_is_a_415(http, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = await http.post("/graphql", content=json.dumps({"query": ME}).encode(), headers=headers)
    if content_type is None:
        # httpx adds no content type of its own for raw bytes
        assert "content-type" not in response.request.headers

    refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_utf8_charset_is_accepted(http):
    response = await post(http, {"query": "{ __typename }"}, **{"content-type": "application/json; charset=UTF-8"})

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        (None, GRAPHQL_RESPONSE),  # the spec's default since 2025
        (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", "application/json"),
        (f"application/json;q=0.9, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
        ("text/html, application/json;q=0.9, */*;q=0.8", "application/json"),
        (f"{GRAPHQL_RESPONSE}, application/json, multipart/mixed", GRAPHQL_RESPONSE),  # GraphiQL's
    ],
)
async def test_the_answer_has_the_media_type_the_client_prefers(http, accept, media):
    response = await post(http, {"query": "{ __typename }"}, accept=accept)

    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0", "image/*"])
async def test_an_accept_nothing_matches_is_a_406(http, accept):
    refused(await post(http, {"query": ME}, accept=accept), 406, "NOT_ACCEPTABLE")


@pytest.mark.parametrize("query", ["{ __typename }", 'mutation { createTag(input: {name: "via-get"}) { __typename } }'])
async def test_get_is_not_served_for_queries_nor_mutations(http, query):
    response = await http.get("/graphql", params={"query": query}, headers={"accept": GRAPHQL_RESPONSE})

    refused(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_a_405_in_the_usual_shape(http, method):
    response = await http.request(method, "/graphql", content=json.dumps({"query": ME}).encode())

    refused(response, 405, "METHOD_NOT_ALLOWED")


async def test_a_browser_get_opens_graphiql_in_development(http, settings):
    assert settings.graphiql
    response = await http.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


# --- request errors against field errors --------------------------------------------------------

REQUEST_ERRORS = [
    ({"query": "{"}, "parse"),
    ({"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}, "validation"),
    ({"query": '{ customers(first: "many") { totalCount } }'}, "argument type"),
    ({"query": "query($n: Int!) { customers(first: $n) { totalCount } }", "variables": {"n": "x"}}, "variable"),
    ({"query": "query($n: Int!) { customers(first: $n) { totalCount } }"}, "missing variable"),
    ({"query": "query A { __typename }", "operationName": "B"}, "unknown operation"),
    ({"query": "query A { __typename } query B { __typename }"}, "several operations"),
    ({"query": "subscription { __typename }"}, "subscription"),
]


@pytest.mark.parametrize(("body", "kind"), REQUEST_ERRORS)
async def test_request_errors_are_a_400_without_data_under_graphql_response_json(http, body, kind):
    response = await post(http, body, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 400, kind
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    answer = response.json()
    assert "data" not in answer, kind
    assert answer["errors"] and all(e["extensions"]["code"] == "BAD_REQUEST" for e in answer["errors"]), answer


@pytest.mark.parametrize(("body", "kind"), REQUEST_ERRORS)
async def test_request_errors_are_a_200_with_errors_under_application_json(http, body, kind):
    response = await post(http, body, accept="application/json")

    assert response.status_code == 200, kind
    answer = response.json()
    assert answer["data"] is None
    assert answer["errors"] and all(e["extensions"]["code"] == "BAD_REQUEST" for e in answer["errors"]), answer


async def test_field_errors_are_a_200_with_data_under_graphql_response_json(http):
    # Not signed in: the document is executed, its field fails.
    response = await post(http, {"query": ME}, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 200
    answer = response.json()
    assert answer["data"] is None
    assert error_codes(answer) == ["UNAUTHENTICATED"]


# --- operations -------------------------------------------------------------------------------

TWO_OPERATIONS = """
mutation Create { createCustomer(input: {name: "Two operations"}) { __typename } }
query Me { me { role } }
"""


async def test_several_operations_without_operation_name_run_none(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    body = await gql.post(TWO_OPERATIONS, as_=admin)

    assert body["data"] is None
    assert error_codes(body) == ["BAD_REQUEST"]
    assert "operationName" in body["errors"][0]["message"]
    assert await count_customers(tenant.id) == 0


async def test_operation_name_picks_the_operation(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    auth = {"authorization": f"Bearer {admin.token}"}

    query = await post(http, {"query": TWO_OPERATIONS, "operationName": "Me"}, **auth)
    assert query.json() == {"data": {"me": {"role": "ADMIN"}}}
    assert await count_customers(tenant.id) == 0

    mutation = await post(http, {"query": TWO_OPERATIONS, "operationName": "Create"}, **auth)
    assert mutation.json() == {"data": {"createCustomer": {"__typename": "CreateCustomerSuccess"}}}
    assert await count_customers(tenant.id) == 1


async def test_every_failing_root_field_is_reported_with_its_path(gql):
    # Three non-null root fields, all refused: each gets its own error, in the order asked.
    for _ in range(5):
        body = await gql.post("{ users { id } tenant { name } me { role } }")

        assert body["data"] is None
        assert [e["path"] for e in body["errors"]] == [["users"], ["tenant"], ["me"]]
        assert error_codes(body) == ["UNAUTHENTICATED"] * 3


async def test_root_fields_failing_in_different_ways_are_each_reported(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    query = """{
      big: customers(first: 1000) { totalCount }
      negative: customers(first: -1) { totalCount }
      me { role }
    }"""

    for _ in range(5):
        body = await gql.post(query, as_=seller)

        assert body["data"] is None
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["big"], "BAD_USER_INPUT"),
            (["negative"], "BAD_USER_INPUT"),
        ]


async def test_a_nullable_root_field_error_keeps_the_other_fields(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    body = await gql.post('{ node(id: "x") { id } me { role } }', as_=admin)

    assert body == {"data": {"node": None, "me": {"role": "ADMIN"}}}


@pytest.mark.parametrize(
    "query",
    [
        "{" + "customers {" * 3_000 + "totalCount" + "}" * 3_001,
        "{ customers(filter: {customFields: " + "[" * 3_000 + "]" * 3_000 + "}) { totalCount } }",
        "query($v: JSON = " + "{a: " * 3_000 + "1" + "}" * 3_000 + ") { __typename }",
    ],
)
async def test_a_document_nested_thousands_deep_is_a_request_error(http, query):
    response = await post(http, {"query": query}, accept=GRAPHQL_RESPONSE)

    refused(response)
