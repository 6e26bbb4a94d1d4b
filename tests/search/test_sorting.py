"""Sorted lists: every order, both directions, stable across pages even with ties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.db import execute
from models.sql import Sql

PAGE = """query($sort: CustomerSort, $after: String) {
  customers(first: 4, after: $after, sort: $sort, filter: {status: ANY}) { pageInfo { hasNextPage endCursor }
    nodes { id name status lastInteractionAt lastContactedAt createdAt } } }"""


@pytest.fixture
async def crowd(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    base = datetime(2026, 3, 1, tzinfo=UTC)
    names = ["Bruno", "ana", "Álvaro", "Bruno", "Carla", "bruno", "Ana", "Zé", "Bruno", "Élia", "carla"]
    for i, name in enumerate(names):
        pk = await factory.customer(
            tenant,
            name=name,
            status="inactive" if i % 3 == 0 else "active",
            last_interaction_at=None if i % 4 == 0 else base + timedelta(days=i % 3),
            last_contacted_at=None if i % 2 else base + timedelta(hours=i % 2),
        )
        await execute(Sql("UPDATE customer SET created_at = %s WHERE id = %s", base - timedelta(days=i % 5), pk))
    return admin


async def walk(gql, user, sort):
    nodes, after = [], None
    while True:
        page = (await gql.data(PAGE, {"sort": sort, "after": after}, as_=user))["customers"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def folded(name):
    from resolvers.text import fold

    return fold(name)


KEYS = {
    "NAME": lambda n: folded(n["name"]),
    "CREATED_AT": lambda n: n["createdAt"],
    "STATUS": lambda n: n["status"],
    "LAST_INTERACTION_AT": lambda n: n["lastInteractionAt"] or "",
    "LAST_CONTACTED_AT": lambda n: n["lastContactedAt"] or "",
}


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", list(KEYS))
async def test_every_order_pages_stably_through_ties(gql, crowd, field, direction):
    nodes = await walk(gql, crowd, {"field": field, "direction": direction})

    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)) == 11  # nothing repeated, nothing skipped
    keys = [KEYS[field](n) for n in nodes]
    assert keys == sorted(keys, reverse=direction == "DESC")


async def test_name_order_ignores_case_and_accents(gql, crowd):
    nodes = await walk(gql, crowd, {"field": "NAME", "direction": "ASC"})

    assert [folded(n["name"]) for n in nodes][:4] == ["alvaro", "ana", "ana", "bruno"]


async def test_missing_times_sort_last_when_descending(gql, crowd):
    nodes = await walk(gql, crowd, {"field": "LAST_INTERACTION_AT", "direction": "DESC"})

    times = [n["lastInteractionAt"] for n in nodes]
    assert times[-3:] == [None, None, None]
    assert None not in times[:-3]


async def test_the_default_order_is_newest_first(gql, crowd):
    data = await gql.data("{ customers(first: 100, filter: {status: ANY}) { nodes { createdAt } } }", as_=crowd)

    created = [n["createdAt"] for n in data["customers"]["nodes"]]
    assert created == sorted(created, reverse=True)
