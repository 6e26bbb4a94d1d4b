"""In production (field suggestions off) no error names a schema element the client did not write.

Each kind of "Did you mean ...?" graphql-core produces is checked twice: in development it is
there (so the case really produces a suggestion), in production it is gone and the rest of the
message is unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from schema.schema import Limits, build_schema, without_suggestions
from server.graphql_view import GraphQLView

CASES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("unknown field", "{ me { rol } }", None),
    ("unknown argument", "{ customers(frist: 1) { totalCount } }", None),
    ("enum value literal", 'mutation { createCustomer(input: {name: "A", status: ACTIV}) { __typename } }', None),
    (
        "enum value variable",
        'mutation($s: CustomerStatus) { createCustomer(input: {name: "A", status: $s}) { __typename } }',
        {"s": "ACTIV"},
    ),
    ("enum argument", "{ customers(portfolio: MIN) { totalCount } }", None),
    ("unknown type", "query($f: CustomerFiltr) { customers(filter: $f) { totalCount } }", None),
    ("fragment type", "{ ... on Querry { __typename } }", None),
    ("input field literal", 'mutation { createCustomer(input: {nam: "A"}) { __typename } }', None),
    (
        "input field variable",
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename } }",
        {"i": {"nam": "A"}},
    ),
    (
        "nested input field variable",
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename } }",
        {"i": {"name": "A", "address": {"citty": "Rio"}}},
    ),
    ("selection of subfields", "{ me }", None),
]


def view_client(field_suggestions: bool, app: Any) -> httpx.AsyncClient:
    schema = build_schema(Limits(field_suggestions=field_suggestions))
    view = GraphQLView(schema, policies=app.state.policies, tokens=app.state.tokens)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=view), base_url="http://crm.test")


@pytest.fixture
async def clients(app: Any) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with view_client(True, app) as development, view_client(False, app) as production:
        yield {"development": development, "production": production}


async def messages(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None) -> list[str]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None and body["errors"], body
    return [e["message"] for e in body["errors"]]


@pytest.mark.parametrize(("kind", "query", "variables"), CASES, ids=[c[0] for c in CASES])
async def test_no_suggestion_in_production(clients, kind, query, variables):
    development = await messages(clients["development"], query, variables)
    production = await messages(clients["production"], query, variables)

    assert any("Did you mean" in m for m in development), development
    assert not any("Did you mean" in m for m in production), production
    assert production == [without_suggestions(m) for m in development]


@pytest.mark.parametrize(
    ("message", "stripped"),
    [
        ("Cannot query field 'rol' on type 'Me'. Did you mean 'role'?", "Cannot query field 'rol' on type 'Me'."),
        ("Unknown type 'X'. Did you mean 'A', 'B', or 'C'?", "Unknown type 'X'."),
        ("Unknown type 'X'. Did you mean 'A' or 'B'?", "Unknown type 'X'."),
        (
            "Value 'ACTIV' does not exist in 'S' enum. Did you mean the enum value 'ACTIVE'?",
            "Value 'ACTIV' does not exist in 'S' enum.",
        ),
        (
            "Field 'me' must have a selection of subfields. Did you mean 'me { ... }'?",
            "Field 'me' must have a selection of subfields.",
        ),
        ("No suggestion here.", "No suggestion here."),
    ],
)
def test_without_suggestions(message, stripped):
    assert without_suggestions(message) == stripped
