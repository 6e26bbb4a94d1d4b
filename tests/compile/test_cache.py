"""Compiled statements are kept for identical requests, and only for them."""

from __future__ import annotations

from schema.compile import execution
from tests.helpers import gid

QUERY = "{ customers(first: 2) { edges { cursor node { name email } } pageInfo { endCursor } } }"


async def test_a_repeated_request_is_answered_alike_from_the_cache(gql, factory, monkeypatch):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    for name in ("Ana", "Bia", "Caio"):
        await factory.customer(tenant, name=name, owner=seller, email=f"{name.lower()}@example.com")
    compiled: list[int] = []
    real = execution._compile

    async def counting(*args, **kwargs):
        compiled.append(1)
        return await real(*args, **kwargs)

    monkeypatch.setattr(execution, "_compile", counting)

    first = await gql.data(QUERY, as_=seller)
    again = await gql.data(QUERY, as_=seller)
    assert again == first  # the same cursors too: sealed afresh from a fresh marker
    assert len(compiled) == 1
    page = await gql.data(
        "query($a: String) { customers(first: 2, after: $a) { nodes { name } } }",
        {"a": first["customers"]["pageInfo"]["endCursor"]},
        as_=seller,
    )
    assert [n["name"] for n in page["customers"]["nodes"]] == ["Ana"]

    # The caller's settings are part of what a statement is kept for: hiding contact data applies at once.
    await factory.set_tenant(tenant, hide_contact_from_sellers=True)
    hidden = await gql.data(QUERY, as_=seller)
    assert {e["node"]["email"] for e in hidden["customers"]["edges"]} == {None}
    assert len(compiled) == 3  # the first page, the second page, the first page with contact hidden


async def test_a_request_with_a_filter_is_compiled_every_time(gql, factory, monkeypatch):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    pk = await factory.customer(tenant, name="Ana")
    await gql.data(
        "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
        {"i": {"customerId": gid(pk), "tags": ["vip"]}},
        as_=admin,
    )
    tag = (await gql.data("{ tags { tag { id } } }", as_=admin))["tags"][0]["tag"]["id"]
    compiled: list[int] = []
    real = execution._compile

    async def counting(*args, **kwargs):
        compiled.append(1)
        return await real(*args, **kwargs)

    monkeypatch.setattr(execution, "_compile", counting)
    query = "query($t: ID!) { customers(filter: {tags: {anyOf: [$t]}}) { totalCount } }"
    for _ in range(2):
        assert (await gql.data(query, {"t": tag}, as_=admin))["customers"]["totalCount"] == 1
    assert len(compiled) == 2  # a filter's tags are read while planning: never kept
