"""The customer list filter: each condition alone, combined, and refused when contradictory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.sql import Sql
from tests.helpers import gid

LIST = """query($f: CustomerFilter, $portfolio: Portfolio) {
  customers(first: 100, filter: $f, portfolio: $portfolio) { totalCount nodes { name } } }"""


async def names(gql, user, f, **variables):
    data = await gql.data(LIST, {"f": f, **variables}, as_=user)
    found = sorted(n["name"] for n in data["customers"]["nodes"])
    assert data["customers"]["totalCount"] == len(found)
    return found


@pytest.fixture
async def shop(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    team = await factory.team(tenant, name="North")
    c = {}
    c["a"] = await factory.customer(
        tenant,
        name="A",
        origin_channel="whatsapp",
        owner=seller,
        created_at=datetime(2026, 1, 10, tzinfo=UTC),
        last_interaction_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    c["b"] = await factory.customer(
        tenant,
        name="B",
        origin_channel="instagram",
        teams=[team],
        created_at=datetime(2026, 3, 10, tzinfo=UTC),
        last_contacted_at=datetime(2026, 3, 15, tzinfo=UTC),
    )
    c["c"] = await factory.customer(
        tenant, name="C", origin_channel="whatsapp", status="inactive", created_at=datetime(2026, 5, 10, tzinfo=UTC)
    )
    c["d"] = await factory.customer(tenant, name="D", created_at=datetime(2026, 7, 10, tzinfo=UTC))
    tags = {}
    for name, holders in (("VIP", "ab"), ("Lead", "bcd"), ("Late", "d")):
        for h in holders:
            await gql.data(
                "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
                {"i": {"customerId": gid(c[h]), "tags": [name]}},
                as_=admin,
            )
    for row in await _tags(tenant.id):
        tags[row["name"]] = gid(row["id"], "Tag")
    await gql.data(
        "mutation($i: CreateTaskInput!) { createTask(input: $i) { __typename } }",
        {"i": {"customerId": gid(c["b"]), "title": "Call"}},
        as_=admin,
    )
    return tenant, admin, seller, team, c, tags


async def _tags(tenant_id):
    from models.db import fetch

    return await fetch(Sql("SELECT id, name FROM tag WHERE tenant_id = %s", tenant_id))


async def test_active_customers_only_unless_asked(gql, shop):
    _, admin, *_ = shop

    assert await names(gql, admin, None) == ["A", "B", "D"]
    assert await names(gql, admin, {"status": "INACTIVE"}) == ["C"]
    assert await names(gql, admin, {"status": "ANY"}) == ["A", "B", "C", "D"]


async def test_tags_any_all_none(gql, shop):
    _, admin, _, _, _, tags = shop

    assert await names(gql, admin, {"tags": {"anyOf": [tags["VIP"], tags["Late"]]}}) == ["A", "B", "D"]
    assert await names(gql, admin, {"tags": {"allOf": [tags["VIP"], tags["Lead"]]}}) == ["B"]
    assert await names(gql, admin, {"tags": {"noneOf": [tags["Lead"]]}}) == ["A"]
    assert await names(gql, admin, {"tags": {"anyOf": [tags["Lead"]], "noneOf": [tags["Late"]]}, "status": "ANY"}) == [
        "B",
        "C",
    ]


async def test_origin_channels(gql, shop):
    _, admin, *_ = shop

    assert await names(gql, admin, {"originChannels": ["WHATSAPP"], "status": "ANY"}) == ["A", "C"]
    assert await names(gql, admin, {"originChannels": ["INSTAGRAM", "MANUAL"]}) == ["B", "D"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"createdBetween": {"from": "2026-03-01T00:00:00Z", "to": "2026-07-01T00:00:00Z"}}, ["B"]),
        ({"createdBetween": {"from": "2026-03-01T00:00:00Z"}}, ["B", "D"]),
        ({"createdBetween": {"to": "2026-03-10T00:00:00Z"}}, ["A"]),
        ({"lastInteractionBetween": {"from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}}, ["A"]),
        ({"lastContactedBetween": {"from": "2026-03-01T00:00:00Z"}}, ["B"]),
    ],
)
async def test_time_ranges(gql, shop, condition, expected):
    _, admin, *_ = shop

    assert await names(gql, admin, condition) == expected


async def test_portfolio_team_and_open_tasks(gql, shop):
    _, admin, seller, team, *_ = shop

    assert await names(gql, admin, {"portfolio": "SELLER", "sellerId": seller.gid}) == ["A"]
    assert await names(gql, admin, {"portfolio": "UNASSIGNED"}) == ["B", "D"]
    assert await names(gql, admin, {"teamIds": [gid(team, "Team")]}) == ["B"]
    assert await names(gql, admin, {"hasOpenTasks": True}) == ["B"]
    assert await names(gql, admin, {"hasOpenTasks": False}) == ["A", "D"]


async def test_conditions_combine(gql, shop):
    _, admin, _, _, _, tags = shop

    combined = {
        "tags": {"anyOf": [tags["Lead"]]},
        "createdBetween": {"from": "2026-02-01T00:00:00Z"},
        "originChannels": ["INSTAGRAM", "MANUAL"],
        "hasOpenTasks": False,
    }

    assert await names(gql, admin, combined) == ["D"]


async def test_filters_run_inside_visibility(gql, shop):
    _, _, seller, _, _, tags = shop

    assert await names(gql, seller, {"tags": {"anyOf": [tags["VIP"]]}}, portfolio="ALL") == ["A"]


@pytest.mark.parametrize(
    ("make", "path", "code"),
    [
        (lambda t, team: {"tags": {"anyOf": [t["VIP"]], "noneOf": [t["VIP"]]}}, "filter.tags.anyOf", "INVALID"),
        (lambda t, team: {"tags": {"allOf": [t["Lead"]], "noneOf": [t["Lead"]]}}, "filter.tags.allOf", "INVALID"),
        (
            lambda t, team: {"createdBetween": {"from": "2026-05-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}},
            "filter.createdBetween",
            "INVALID",
        ),
        (lambda t, team: {"createdBetween": {}}, "filter.createdBetween", "REQUIRED"),
        (lambda t, team: {"tags": {"anyOf": [gid(team, "Tag")]}}, "filter.tags", "UNKNOWN"),
        (lambda t, team: {"tags": {"anyOf": ["not an id"]}}, "filter.tags.anyOf[0]", "INVALID"),
        (lambda t, team: {"teamIds": [gid(team, "Team").replace("=", "")]}, "filter.teamIds[0]", "INVALID"),
    ],
)
async def test_contradictory_or_invalid_filters_are_refused(gql, shop, make, path, code):
    _, admin, _, team, _, tags = shop

    body = await gql.post(LIST, {"f": make(tags, team)}, as_=admin)

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert {"field": path, "code": code} in [
        {"field": f["field"], "code": f["code"]} for f in body["errors"][0]["extensions"]["fields"]
    ]


async def test_portfolio_in_the_filter_and_beside_it_is_refused(gql, shop):
    _, admin, _seller, *_ = shop

    body = await gql.post(LIST, {"f": {"portfolio": "MINE"}, "portfolio": "ALL"}, as_=admin)

    assert body["errors"][0]["extensions"]["fields"][0]["field"] == "filter.portfolio"


async def test_a_filter_naming_another_tenants_tag_is_refused(gql, factory, shop):
    _, admin, *_ = shop
    other = await factory.tenant()
    foreign = await factory.customer(other)
    await gql.data(
        "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
        {"i": {"customerId": gid(foreign), "tags": ["Foreign"]}},
        as_=await factory.user(other, "admin"),
    )
    tag = (await _tags(other.id))[0]

    body = await gql.post(LIST, {"f": {"tags": {"anyOf": [gid(tag["id"], "Tag")]}}}, as_=admin)

    assert body["errors"][0]["extensions"]["fields"][0]["code"] == "UNKNOWN"
