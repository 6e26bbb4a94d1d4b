"""The list's filters, search, saved lists and order are the export's, row for row."""

from __future__ import annotations

import pytest

from models.db import fetch
from models.sql import Sql
from tests.exports.support import as_listed, download, export, exported, listed, read
from tests.helpers import gid


@pytest.fixture
async def shop(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    for i, name in enumerate(["Ana Souza", "Bruno Lima", "Carla Souza", "Davi Rocha", "Eva Souza"]):
        await factory.customer(tenant, name=name, status="inactive" if i == 3 else "active", address_city=f"C{i % 2}")
    ids = [r["id"] for r in await listed(gql, admin)]
    await gql.data(
        "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
        {"i": {"customerId": ids[0], "tags": ["VIP"]}},
        as_=admin,
    )
    tag = (await fetch(Sql("SELECT id FROM tag WHERE tenant_id = %s", tenant.id)))[0]["id"]
    return admin, gid(tag, "Tag")


CASES = [
    {"search": "souza"},
    {"sort": {"field": "NAME", "direction": "DESC"}},
    {"sort": {"field": "CITY", "direction": "ASC"}},
    {"filter": {"status": "ANY"}},
    {"filter": {"status": "INACTIVE"}},
    {"search": "souza", "sort": {"field": "CREATED_AT", "direction": "ASC"}},
]


@pytest.mark.parametrize("arguments", CASES)
@pytest.mark.parametrize("format", ["CSV", "JSON"])
async def test_filters_search_and_order_are_the_lists(gql, shop, arguments, format):
    admin, _ = shop

    content = (await download(gql, admin, await exported(gql, admin, format, **arguments))).content

    assert read(format, content) == as_listed(await listed(gql, admin, **arguments))


async def test_a_tag_filter(gql, shop):
    admin, vip = shop
    arguments = {"filter": {"tags": {"anyOf": [vip]}}}

    content = (await download(gql, admin, await exported(gql, admin, "XLSX", **arguments))).content

    rows = read("XLSX", content)
    assert rows == as_listed(await listed(gql, admin, **arguments)) and len(rows) == 1


async def test_a_saved_list(gql, shop):
    admin, _ = shop
    saved = await gql.data(
        """mutation($i: SaveFilterInput!) { saveFilter(input: $i) { ... on SavedFilterSuccess { savedFilter { id } } } }""",
        {"i": {"name": "Souzas", "search": "souza", "sort": {"field": "NAME", "direction": "DESC"}}},
        as_=admin,
    )
    saved_id = saved["saveFilter"]["savedFilter"]["id"]

    content = (await download(gql, admin, await exported(gql, admin, "CSV", savedFilterId=saved_id))).content

    expected = await listed(gql, admin, search="souza", sort={"field": "NAME", "direction": "DESC"})
    assert read("CSV", content) == as_listed(expected)
    assert [r["name"] for r in expected] == ["Eva Souza", "Carla Souza", "Ana Souza"]


async def test_a_saved_list_comes_alone_and_must_be_one_you_see(gql, factory, shop):
    admin, _ = shop
    other = await factory.user(await factory.tenant(), "admin")
    saved = await gql.data(
        """mutation($i: SaveFilterInput!) { saveFilter(input: $i) { ... on SavedFilterSuccess { savedFilter { id } } } }""",
        {"i": {"name": "Mine"}},
        as_=admin,
    )
    saved_id = saved["saveFilter"]["savedFilter"]["id"]

    both = await export(gql, admin, "CSV", savedFilterId=saved_id, search="x")
    assert both == {"__typename": "ValidationFailed", "fields": [{"field": "savedFilterId", "code": "INVALID"}]}
    assert (await export(gql, other, "CSV", savedFilterId=saved_id))["__typename"] == "NotFound"


async def test_a_bad_filter_is_refused_as_the_list_refuses_it(gql, shop):
    admin, _ = shop
    bogus = gid(__import__("uuid").uuid4(), "Tag")

    answer = await export(gql, admin, "CSV", filter={"tags": {"anyOf": [bogus]}})

    assert answer["__typename"] == "ValidationFailed"
    assert (await fetch(Sql("SELECT count(*) AS n FROM customer_export WHERE created_by_id = %s", admin.id)))[0][
        "n"
    ] == 0
