"""Walking a list page by page yields exactly ``totalCount`` rows, each once, whatever the
search, filter or order (a NULL inside a negated condition used to drop rows from every page)."""

from __future__ import annotations

import pytest

from resolvers.customer_fields import search_text
from tests.helpers import gid

WALK = """query($after: String, $search: String, $filter: CustomerFilter, $sort: CustomerSort) {
  customers(first: 2, after: $after, search: $search, filter: $filter, sort: $sort) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id } } }"""
TAG = "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }"


@pytest.fixture
async def crowd(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    people = [
        # name, trade name, email, city, tagged "vip"
        ("Ana", "Zeta", "ana@example.com", "Recife", True),
        ("Ana Lima", None, None, None, True),
        ("Bruno Vip", None, None, "Natal", False),
        ("Carla", "Vip Store", "carla@vip.com", None, True),
        ("Davi", None, None, None, True),
        ("Élia", None, "elia@example.com", "Olinda", True),
        ("Fábio", None, None, None, True),
        ("Gil", "Vipal", None, "Recife", False),
        ("Hugo", None, "vip@example.com", None, False),
        ("Iara", None, None, None, True),
    ]
    for i, (name, trade, email, city, tagged) in enumerate(people):
        pk = await factory.customer(
            tenant,
            name=name,
            trade_name=trade,
            email=email,
            email_normalized=email,
            address_city=city,
            owner=seller if i % 2 else None,
            search_text=search_text(name, trade),
        )
        if tagged:
            await gql.data(TAG, {"i": {"customerId": gid(pk), "tags": ["VIP"]}}, as_=admin)
    return admin


async def walk(gql, user, variables):
    seen, after, total = [], None, None
    for _ in range(50):
        page = (await gql.data(WALK, {**variables, "after": after}, as_=user))["customers"]
        total = page["totalCount"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return seen, total


LISTS = [
    {"search": "vip"},  # names, trade names, emails and the tag: some tagged rows have no email
    {"search": "ana"},
    {"search": "vip", "sort": {"field": "NAME"}},
    {"search": "a", "sort": {"field": "CREATED_AT", "direction": "ASC"}},
    {"sort": {"field": "EMAIL"}},
    {"sort": {"field": "EMAIL", "direction": "DESC"}},
    {"sort": {"field": "TRADE_NAME"}},
    {"sort": {"field": "TRADE_NAME", "direction": "DESC"}},
    {"sort": {"field": "CITY"}},
    {"sort": {"field": "CITY", "direction": "DESC"}},
    {"sort": {"field": "OWNER"}},
    {"sort": {"field": "OWNER", "direction": "DESC"}},
    {"sort": {"field": "NAME", "direction": "DESC"}},
    {"sort": {"field": "LAST_INTERACTION_AT"}},
    {"filter": {"hasOpenTasks": False}, "search": "vip"},
]


@pytest.mark.parametrize("variables", LISTS, ids=lambda v: str(v))
async def test_every_walk_yields_exactly_total_count_rows_once(gql, crowd, variables):
    seen, total = await walk(gql, crowd, variables)

    assert len(seen) == len(set(seen)), "a row came twice"
    assert len(seen) == total


async def test_a_tag_search_reaches_tagged_customers_without_an_email(gql, crowd):
    seen, total = await walk(gql, crowd, {"search": "vip"})

    # Bruno Vip, Carla (Vip Store), Gil (Vipal), Hugo (email) + the tagged others
    assert total == len(seen) == 10
