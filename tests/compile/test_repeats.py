"""A request the compiled path answered before skips the GraphQL pipeline, and only such a one."""

from __future__ import annotations

from typing import Any

import pytest

from server.graphql_view import GraphQLView
from tests.helpers import error_codes

QUERY = "query($n: Int) { customers(first: $n) { edges { cursor node { name email } } pageInfo { endCursor } } }"


@pytest.fixture
def pipeline_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    runs: list[int] = []
    real = GraphQLView.execute

    async def counting(self: GraphQLView, *args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(GraphQLView, "execute", counting)
    return runs


async def test_a_repeated_request_skips_the_pipeline_and_answers_alike(gql, factory, pipeline_runs):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    other = await factory.user(tenant, "seller")
    for name in ("Ana", "Bia", "Caio"):
        await factory.customer(tenant, name=name, owner=seller, email=f"{name.lower()}@example.com")

    first = await gql.data(QUERY, {"n": 2}, as_=seller)
    again = await gql.data(QUERY, {"n": 2}, as_=seller)
    assert again == first  # cursors too: sealed afresh from a fresh marker
    assert len(pipeline_runs) == 1
    page = await gql.data(
        "query($a: String) { customers(first: 2, after: $a) { nodes { name } } }",
        {"a": again["customers"]["pageInfo"]["endCursor"]},
        as_=seller,
    )
    assert [n["name"] for n in page["customers"]["nodes"]] == ["Ana"]
    assert len(pipeline_runs) == 2

    # Other variables, another caller, other settings: each is a request of its own.
    three = await gql.data(QUERY, {"n": 3}, as_=seller)
    assert len(three["customers"]["edges"]) == 3
    assert (await gql.data(QUERY, {"n": 2}, as_=other))["customers"]["edges"] == []
    await factory.set_tenant(tenant, hide_contact_from_sellers=True)
    hidden = await gql.data(QUERY, {"n": 2}, as_=seller)
    assert {e["node"]["email"] for e in hidden["customers"]["edges"]} == {None}
    assert len(pipeline_runs) == 5


async def test_refused_requests_are_never_remembered(gql, factory, pipeline_runs):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    await factory.customer(tenant, name="Ana", owner=seller)
    for _ in range(2):
        body = await gql.post(QUERY, {"n": 10_000}, as_=seller)
        assert error_codes(body) == ["BAD_USER_INPUT"]
    for _ in range(2):
        body = await gql.post(QUERY, {"n": 2}, as_="not-a-token")
        assert error_codes(body) == ["UNAUTHENTICATED"]
    assert len(pipeline_runs) == 4
