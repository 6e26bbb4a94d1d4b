"""Sorting by name alone, by email, trade name, city and owner; exact names first in a search;
and no sorting by data the caller may not read."""

from __future__ import annotations

import pytest

from resolvers.customer_fields import search_text
from resolvers.text import fold
from tests.helpers import error_codes

PAGE = """query($sort: CustomerSort, $after: String, $search: String) {
  customers(first: 3, after: $after, sort: $sort, search: $search, portfolio: ALL) {
    pageInfo { hasNextPage endCursor } nodes { name tradeName email address { city } owner { name } } } }"""


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller", name="Zuleica")
    other = await factory.user(tenant, "seller", name="Álvaro")
    rows = [
        ("Ana Lima", None, "zz@example.com", "Recife", seller),
        ("Ana", "Zeta Comércio", None, "olinda", other),
        ("bruno", "Ácaro", "bruno@example.com", None, None),
        ("Carla", "beta", "Carla@Example.com", "Água Fria", seller),
        ("Davi", None, None, "recife", None),
        ("Élia", "alfa", "elia@example.com", None, other),
    ]
    for name, trade, email, city, owner in rows:
        await factory.customer(
            tenant,
            name=name,
            trade_name=trade,
            email=email,
            email_normalized=email.lower() if email else None,
            address_city=city,
            owner=owner,
            search_text=search_text(name, trade),
        )
    return admin, seller


async def walk(gql, user, sort, search=None):
    nodes, after = [], None
    while True:
        page = (await gql.data(PAGE, {"sort": sort, "after": after, "search": search}, as_=user))["customers"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


VALUE = {
    "EMAIL": lambda n: n["email"].lower() if n["email"] else None,
    "TRADE_NAME": lambda n: fold(n["tradeName"]) or None,
    "CITY": lambda n: fold(n["address"]["city"]) or None,
    "OWNER": lambda n: fold(n["owner"]["name"]) if n["owner"] else None,
}


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", list(VALUE))
async def test_new_sorts_order_values_and_put_empty_ones_last(gql, shop, field, direction):
    admin, _ = shop

    nodes = await walk(gql, admin, {"field": field, "direction": direction})

    values = [VALUE[field](n) for n in nodes]
    present = [v for v in values if v is not None]
    assert len(nodes) == 6
    assert values == present + [None] * (len(values) - len(present)), values
    assert present == sorted(present, reverse=direction == "DESC")


async def test_a_city_sort_ignores_case_and_accents(gql, shop):
    admin, _ = shop

    nodes = await walk(gql, admin, {"field": "CITY"})

    assert [fold(n["address"]["city"]) for n in nodes][:4] == ["agua fria", "olinda", "recife", "recife"]


async def test_name_sorts_by_the_name_alone(gql, shop):
    admin, _ = shop

    nodes = await walk(gql, admin, {"field": "NAME"})

    assert [n["name"] for n in nodes] == ["Ana", "Ana Lima", "bruno", "Carla", "Davi", "Élia"]


async def test_an_exact_name_is_the_first_hit_of_a_name_search(gql, shop):
    admin, _ = shop

    nodes = await walk(gql, admin, None, search="ana")

    assert [n["name"] for n in nodes] == ["Ana", "Ana Lima"]


async def test_sorting_by_hidden_contact_data_is_refused(gql, shop):
    admin, seller = shop

    refused = await gql.post(PAGE, {"sort": {"field": "EMAIL"}}, as_=seller)
    allowed = await walk(gql, seller, {"field": "CITY"})

    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert refused["errors"][0]["extensions"]["fields"][0]["field"] == "sort.field"
    assert {n["name"] for n in allowed} == {"Ana Lima", "Carla"}
    assert len(await walk(gql, admin, {"field": "EMAIL"})) == 6


SAVE = (
    """mutation($i: SaveFilterInput!) { saveFilter(input: $i) { ... on SavedFilterSuccess { savedFilter { id } } } }"""
)
APPLY = """query($id: ID!) { node(id: $id) { ... on SavedFilter { ignored customers { nodes { name } } } } }"""


async def test_a_shared_filter_sorting_by_email_leaves_the_sort_out_for_whom_it_is_hidden(gql, shop):
    admin, seller = shop
    saved = await gql.data(SAVE, {"i": {"name": "By email", "shared": True, "sort": {"field": "EMAIL"}}}, as_=admin)

    body = await gql.post(APPLY, {"id": saved["saveFilter"]["savedFilter"]["id"]}, as_=seller)

    assert "errors" not in body, body
    assert body["data"]["node"]["ignored"] == ["sort by EMAIL is contact data, which is hidden from you"]
    assert {n["name"] for n in body["data"]["node"]["customers"]["nodes"]} == {"Ana Lima", "Carla"}
