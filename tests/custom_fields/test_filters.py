"""Filtering the customer list on custom values, per type, with the index PostgreSQL uses."""

from __future__ import annotations

import json

import pytest

from authz.access import Access
from authz.principal import Principal
from models import Role
from models.db import execute, fetch, in_transaction
from models.sql import Sql
from resolvers.customer_reads import customer_where, page_query
from tests.custom_fields.helpers import as_json

LIST = """
query($filter: CustomerFilter) {
  customers(filter: $filter, portfolio: ALL, first: 100) { totalCount nodes { name } }
}
"""
FIELDS = [
    ("nickname", "text", []),
    ("about", "long_text", []),
    ("employees", "number", []),
    ("credit", "decimal", []),
    ("since", "date", []),
    ("vip", "boolean", []),
    ("tier", "select", ["Gold", "Silver", "Bronze"]),
    ("channels", "multi_select", ["Email", "Shop", "WhatsApp"]),
    ("site", "url", []),
    ("billing_email", "email", []),
    ("landline", "phone", []),
    ("retired", "text", []),
]
CUSTOMERS = {
    "A": {
        "nickname": "Ana Banana",
        "about": "Loves coffee",
        "employees": 10,
        "credit": "100.5",
        "since": "2020-01-15",
        "vip": True,
        "tier": "Gold",
        "channels": ["Email", "Shop"],
        "site": "https://ana.example",
        "billing_email": "ana@corp.example",
        "landline": "+551133334444",
        "retired": "x",
    },
    "B": {
        "nickname": "Bruno",
        "employees": 250,
        "credit": "99.99",
        "since": "2022-06-30",
        "vip": False,
        "tier": "Silver",
        "channels": ["WhatsApp"],
        "site": "https://bruno.example/shop",
        "billing_email": "bruno@corp.example",
        "landline": "+552122223333",
    },
    "C": {
        "nickname": "Carla",
        "employees": 3.5,
        "credit": "1000",
        "since": "2024-12-31",
        "tier": "Gold",
        "channels": ["Email"],
    },
    "D": {},
}


@pytest.fixture
async def listed(factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    for key, kind, options in FIELDS:
        await factory.custom_field(tenant, key, kind, options=options, archived=key == "retired")
    for name, values in CUSTOMERS.items():
        await factory.customer(tenant, name=name, owner=seller, custom_fields=as_json(values))
    return tenant, admin, seller


async def names(gql, user, *conditions):
    data = await gql.data(LIST, {"filter": {"customFields": list(conditions)}}, as_=user)
    found = sorted(n["name"] for n in data["customers"]["nodes"])
    assert data["customers"]["totalCount"] == len(found)
    return found


CASES = [
    ({"key": "nickname", "equals": "Ana Banana"}, ["A"]),
    ({"key": "nickname", "contains": "ANAN"}, ["A"]),
    ({"key": "nickname", "oneOf": ["Bruno", "Carla"]}, ["B", "C"]),
    ({"key": "nickname", "isEmpty": True}, ["D"]),
    ({"key": "nickname", "isEmpty": False}, ["A", "B", "C"]),
    ({"key": "about", "contains": "COFFEE"}, ["A"]),
    ({"key": "employees", "equals": "10"}, ["A"]),
    ({"key": "employees", "min": 10}, ["A", "B"]),
    ({"key": "employees", "max": 10}, ["A", "C"]),
    ({"key": "employees", "min": 4, "max": 100}, ["A"]),
    ({"key": "employees", "oneOf": [3.5, 250]}, ["B", "C"]),
    ({"key": "credit", "equals": "100.50"}, ["A"]),
    ({"key": "credit", "min": "100"}, ["A", "C"]),
    ({"key": "credit", "max": 99.99}, ["B"]),
    ({"key": "since", "min": "2021-01-01"}, ["B", "C"]),
    ({"key": "since", "max": "2022-06-30"}, ["A", "B"]),
    ({"key": "since", "equals": "2024-12-31"}, ["C"]),
    ({"key": "vip", "equals": True}, ["A"]),
    ({"key": "vip", "equals": False}, ["B"]),
    ({"key": "vip", "isEmpty": True}, ["C", "D"]),
    ({"key": "tier", "equals": "gold"}, ["A", "C"]),
    ({"key": "tier", "oneOf": ["Silver", "Bronze"]}, ["B"]),
    ({"key": "channels", "contains": "email"}, ["A", "C"]),
    ({"key": "channels", "oneOf": ["Shop", "WhatsApp"]}, ["A", "B"]),
    ({"key": "site", "contains": "/shop"}, ["B"]),
    ({"key": "billing_email", "equals": "ANA@corp.example"}, ["A"]),
    ({"key": "billing_email", "contains": "corp"}, ["A", "B"]),
    ({"key": "landline", "equals": "(11) 3333-4444"}, ["A"]),
    ({"key": "landline", "contains": "21 2222"}, ["B"]),
]


@pytest.mark.parametrize(("condition", "expected"), CASES, ids=[f"{c['key']}-{i}" for i, (c, _) in enumerate(CASES)])
async def test_each_type_filters_with_its_operators(gql, listed, condition, expected):
    _, admin, _ = listed

    assert await names(gql, admin, condition) == expected


async def test_conditions_combine_with_search_and_visibility(gql, listed, factory):
    tenant, admin, seller = listed
    await factory.customer(tenant, name="Elsewhere", custom_fields=as_json({"tier": "Gold"}))  # not the seller's

    both = await names(gql, admin, {"key": "tier", "equals": "Gold"}, {"key": "employees", "min": 5})
    as_seller = await names(gql, seller, {"key": "tier", "equals": "Gold"})
    searched = await gql.data(
        'query($f: CustomerFilter) { customers(filter: $f, search: "C", portfolio: ALL) { totalCount } }',
        {"f": {"customFields": [{"key": "tier", "equals": "Gold"}]}},
        as_=admin,
    )

    assert both == ["A"]
    assert as_seller == ["A", "C"]
    assert searched["customers"]["totalCount"] == 1


REFUSED = [
    ({"key": "nope", "equals": 1}, "UNKNOWN"),
    ({"key": "retired", "equals": "x"}, "UNKNOWN"),  # archived
    ({"key": "employees", "contains": "1"}, "NOT_ALLOWED"),
    ({"key": "channels", "equals": "Email"}, "NOT_ALLOWED"),
    ({"key": "nickname", "min": "a"}, "NOT_ALLOWED"),
    ({"key": "vip", "oneOf": [True]}, "NOT_ALLOWED"),
    ({"key": "employees", "equals": "many"}, "INVALID"),
    ({"key": "since", "min": "15/01/2020"}, "INVALID"),
    ({"key": "tier", "equals": "Platinum"}, "UNKNOWN_OPTION"),
    ({"key": "tier", "oneOf": []}, "REQUIRED"),
    ({"key": "nickname", "equals": None}, "INVALID"),
    ({"key": "tier"}, "REQUIRED"),
]


@pytest.mark.parametrize(("condition", "code"), REFUSED, ids=[f"{c['key']}-{code}" for c, code in REFUSED])
async def test_bad_conditions_are_refused_naming_the_field(gql, listed, condition, code):
    _, admin, _ = listed

    body = await gql.post(LIST, {"filter": {"customFields": [condition]}}, as_=admin)

    error = body["errors"][0]["extensions"]
    assert error["code"] == "BAD_USER_INPUT"
    assert [(f["field"], f["code"]) for f in error["fields"]] == [(f"filter.customFields.{condition['key']}", code)]


@pytest.mark.parametrize(
    "condition", [{"key": "landline", "contains": "3333"}, {"key": "billing_email", "isEmpty": False}]
)
async def test_hidden_contact_fields_cannot_be_filtered_on(gql, listed, condition):
    _, admin, seller = listed

    body = await gql.post(LIST, {"filter": {"customFields": [condition]}}, as_=seller)
    allowed = await names(gql, admin, condition)

    assert body["errors"][0]["extensions"]["fields"][0]["code"] == "NOT_ALLOWED"
    assert "3333" not in json.dumps(body) and "corp" not in json.dumps(body)
    assert allowed  # the same filter works for someone who may see contact data


async def test_containment_filters_use_the_gin_index_on_a_big_tenant(app, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.custom_field(tenant, "tier", "select", options=["Gold", "Silver"])
    await factory.custom_field(tenant, "vip", "boolean")
    await execute(
        Sql(
            "INSERT INTO customer (tenant_id, name, search_text, custom_fields) SELECT %s, 'C' || i, 'c' || i, "
            "jsonb_build_object('tier', CASE WHEN i %% 1000 = 0 THEN 'Gold' ELSE 'Silver' END, 'vip', i %% 2 = 0) "
            "FROM generate_series(1, 10000) i",
            tenant.id,
        )
    )
    await execute(Sql("ANALYZE customer"))
    access = Access(
        Principal(tenant_id=tenant.id, tenant_slug=tenant.slug, role=Role.ADMIN, user_id=admin.id),
        app.state.policies.current,
    )
    where = await customer_where(
        access, filter={"customFields": [{"key": "tier", "equals": "Gold"}, {"key": "vip", "equals": True}]}
    )

    # Deterministic: without the index PostgreSQL would have to scan; the page and the count use it.
    async with in_transaction():
        await execute(Sql("SET LOCAL enable_seqscan = off"))
        page_plan = await fetch(Sql("EXPLAIN (FORMAT JSON) ") + page_query(where, 20))
        count_plan = await fetch(Sql("EXPLAIN (FORMAT JSON) SELECT count(*) FROM customer c WHERE ") + where)
        rows = await fetch(page_query(where, 20))

    assert "customer_custom_fields_gin" in json.dumps(page_plan)
    assert "customer_custom_fields_gin" in json.dumps(count_plan)
    assert len(rows) == 10  # every 1000th is Gold, and those are all VIP
