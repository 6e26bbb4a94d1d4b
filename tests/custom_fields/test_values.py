"""Custom values on customers: set by key on every write path, validated, read back typed."""

from __future__ import annotations

import json

import pytest

from models.db import execute, fetch
from models.sql import Sql
from schema.node import parse_id
from tests.custom_fields.helpers import UPDATE_FIELD, as_json, codes, stored
from tests.helpers import gid, tenant_fingerprint

VALUES = "customFields { key label type value hidden text number decimal date boolean choices }"
CREATE = f"""
mutation($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{
    __typename
    ... on CreateCustomerSuccess {{ outcome customer {{ id version {VALUES} }} }}
    ... on ValidationFailed {{ fields {{ field code message }} }}
  }}
}}
"""
UPDATE = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{
    __typename
    ... on UpdateCustomerSuccess {{ customer {{ id version {VALUES} }} }}
    ... on ValidationFailed {{ fields {{ field code message }} }}
  }}
}}
"""
MERGE = f"""
mutation($input: MergeCustomersInput!) {{
  mergeCustomers(input: $input) {{
    __typename
    ... on MergeCustomersSuccess {{ customer {{ {VALUES} }} }}
    ... on ValidationFailed {{ fields {{ field code }} }}
  }}
}}
"""
GET = f"query($id: ID!) {{ customer(id: $id) {{ {VALUES} }} }}"

EVERY_TYPE = [
    ("nickname", "text"),
    ("about", "long_text"),
    ("employees", "number"),
    ("credit", "decimal"),
    ("since", "date"),
    ("vip", "boolean"),
    ("tier", "select"),
    ("channels", "multi_select"),
    ("site", "url"),
    ("billing_email", "email"),
    ("landline", "phone"),
]


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    ids = {}
    for position, (key, kind) in enumerate(EVERY_TYPE):
        options = ["Gold", "Silver"] if key == "tier" else ["Email", "Shop", "WhatsApp"] if key == "channels" else []
        ids[key] = await factory.custom_field(tenant, key, kind, position=position, options=options)
    return tenant, admin, ids


def entries(values, key="value"):
    return {v["key"]: v[key] for v in values}


async def create(gql, user, **fields):
    return (await gql.data(CREATE, {"input": fields}, as_=user))["createCustomer"]


async def test_values_of_every_type_are_stored_canonical_and_read_back_typed(gql, shop):
    _, admin, _ = shop

    result = await create(
        gql,
        admin,
        name="Ana",
        customFields=[
            {"key": "nickname", "value": "  Aninha  "},
            {"key": "about", "value": "Two\nlines"},
            {"key": "employees", "value": 12},
            {"key": "credit", "value": "1500.50"},
            {"key": "since", "value": "2020-05-17"},
            {"key": "vip", "value": False},
            {"key": "tier", "value": "gold"},
            {"key": "channels", "value": ["WhatsApp", "email"]},
            {"key": "site", "value": "https://ana.example"},
            {"key": "billing_email", "value": "Ana@Example.com"},
            {"key": "landline", "value": "(11) 3333-4444"},
        ],
    )

    values = result["customer"]["customFields"]
    assert [v["key"] for v in values] == [key for key, _ in EVERY_TYPE]  # display order
    assert entries(values) == {
        "nickname": "Aninha",
        "about": "Two\nlines",
        "employees": 12,
        "credit": "1500.5",
        "since": "2020-05-17",
        "vip": False,
        "tier": "Gold",
        "channels": ["Email", "WhatsApp"],
        "site": "https://ana.example",
        "billing_email": "ana@example.com",
        "landline": "+551133334444",
    }
    by_key = {v["key"]: v for v in values}
    assert by_key["employees"]["number"] == 12 and by_key["employees"]["text"] is None
    assert by_key["credit"]["decimal"] == "1500.5"
    assert by_key["since"]["date"] == "2020-05-17"
    assert by_key["vip"]["boolean"] is False
    assert by_key["tier"]["text"] == "Gold" and by_key["tier"]["type"] == "SELECT"
    assert by_key["channels"]["choices"] == ["Email", "WhatsApp"]
    assert by_key["landline"]["text"] == "+551133334444" and by_key["landline"]["hidden"] is False
    assert by_key["since"]["label"] == "Since"
    pk = parse_id(result["customer"]["id"], "Customer")
    assert (await stored(pk))["channels"] == ["Email", "WhatsApp"]


async def test_update_sets_and_clears_the_given_keys_and_keeps_the_rest(gql, shop):
    _, admin, _ = shop
    created = await create(
        gql,
        admin,
        name="Ana",
        customFields=[{"key": "nickname", "value": "Aninha"}, {"key": "employees", "value": 3}],
    )
    cid = created["customer"]["id"]

    data = await gql.data(
        UPDATE,
        {
            "input": {
                "id": cid,
                "expectedVersion": 1,
                "customFields": [{"key": "employees", "value": None}, {"key": "vip", "value": True}],
            }
        },
        as_=admin,
    )

    customer = data["updateCustomer"]["customer"]
    assert entries(customer["customFields"]) == {"nickname": "Aninha", "vip": True}
    assert customer["version"] == 2
    assert await stored(parse_id(cid, "Customer")) == {"nickname": "Aninha", "vip": True}
    events = await fetch(
        Sql("SELECT data FROM customer_event WHERE customer_id = %s AND kind = 'updated'", parse_id(cid, "Customer"))
    )
    assert events[0]["data"]["changes"]["custom_fields"] == [
        {"nickname": "Aninha", "employees": 3},
        {"nickname": "Aninha", "vip": True},
    ]


async def test_every_problem_is_named_and_nothing_is_written(gql, shop, factory):
    tenant, admin, ids = shop
    await execute(Sql("UPDATE custom_field SET archived = true WHERE id = %s", ids["about"]))
    before = await tenant_fingerprint(tenant.id)

    result = await create(
        gql,
        admin,
        name="Ana",
        email="not an email",
        customFields=[
            {"key": "employees", "value": "many"},
            {"key": "credit", "value": "1,5"},
            {"key": "since", "value": "2024-13-01"},
            {"key": "vip", "value": "yes"},
            {"key": "tier", "value": "Bronze"},
            {"key": "channels", "value": ["Email", "Fax"]},
            {"key": "site", "value": "ana.example"},
            {"key": "billing_email", "value": "ana@"},
            {"key": "landline", "value": "12"},
            {"key": "nickname", "value": 7},
            {"key": "segment", "value": "retail"},
            {"key": "about", "value": "archived"},
            {"key": "vip", "value": True},
        ],
    )

    assert codes(result) == [
        ("customFields.about", "NOT_ALLOWED"),
        ("customFields.billing_email", "INVALID_EMAIL"),
        ("customFields.channels", "UNKNOWN_OPTION"),
        ("customFields.credit", "INVALID"),
        ("customFields.employees", "INVALID"),
        ("customFields.landline", "INVALID_PHONE"),
        ("customFields.nickname", "INVALID"),
        ("customFields.segment", "UNKNOWN"),
        ("customFields.since", "INVALID"),
        ("customFields.site", "INVALID"),
        ("customFields.tier", "UNKNOWN_OPTION"),
        ("customFields.vip", "DUPLICATE"),
        ("customFields.vip", "INVALID"),
        ("email", "INVALID_EMAIL"),
    ]
    assert await tenant_fingerprint(tenant.id) == before

    cid = gid(await factory.customer(tenant, custom_fields=as_json({"tier": "Gold"})))
    refused = await gql.data(
        UPDATE, {"input": {"id": cid, "customFields": [{"key": "tier", "value": "Bronze"}]}}, as_=admin
    )
    assert codes(refused["updateCustomer"]) == [("customFields.tier", "UNKNOWN_OPTION")]
    assert await stored(parse_id(cid, "Customer")) == {"tier": "Gold"}


async def test_required_custom_fields_are_checked_on_the_row_written(gql, shop, factory):
    tenant, admin, ids = shop
    await execute(Sql("UPDATE custom_field SET required = true WHERE id = ANY(%s::uuid[])", [ids["tier"], ids["vip"]]))
    legacy = await factory.customer(tenant, custom_fields=as_json({"tier": "Gold"}))

    missing = await create(gql, admin, name="Ana", customFields=[{"key": "tier", "value": "Gold"}])
    ok = await create(
        gql, admin, name="Ana", customFields=[{"key": "tier", "value": "Gold"}, {"key": "vip", "value": False}]
    )
    untouched = await gql.data(UPDATE, {"input": {"id": gid(legacy), "tradeName": "X"}}, as_=admin)
    cleared = await gql.data(
        UPDATE, {"input": {"id": ok["customer"]["id"], "customFields": [{"key": "tier", "value": None}]}}, as_=admin
    )

    assert codes(missing) == [("customFields.vip", "REQUIRED")]
    assert ok["__typename"] == "CreateCustomerSuccess"
    assert codes(untouched["updateCustomer"]) == [("customFields.vip", "REQUIRED")]  # its row lacks vip
    assert codes(cleared["updateCustomer"]) == [("customFields.tier", "REQUIRED")]

    # an archived field is not required any more
    await execute(Sql("UPDATE custom_field SET archived = true WHERE id = %s", ids["vip"]))
    assert (await gql.data(UPDATE, {"input": {"id": gid(legacy), "tradeName": "X"}}, as_=admin))["updateCustomer"][
        "__typename"
    ] == "UpdateCustomerSuccess"


async def test_on_duplicate_merge_fills_blank_values_and_update_overwrites(gql, shop):
    tenant, admin, _ = shop
    first = await create(gql, admin, name="Ana", phone="11 98888-1111", customFields=[{"key": "tier", "value": "Gold"}])
    again = {"name": "Ana", "phone": "(11) 98888-1111"}

    merged = await create(
        gql,
        admin,
        **again,
        onDuplicate="MERGE",
        customFields=[{"key": "tier", "value": "Silver"}, {"key": "employees", "value": 5}],
    )
    before = await tenant_fingerprint(tenant.id)
    refused = await create(
        gql, admin, **again, onDuplicate="UPDATE", customFields=[{"key": "employees", "value": "five"}]
    )
    assert await tenant_fingerprint(tenant.id) == before
    updated = await create(
        gql,
        admin,
        **again,
        onDuplicate="UPDATE",
        customFields=[{"key": "tier", "value": "Silver"}, {"key": "employees", "value": None}],
    )

    assert merged["outcome"] == "MERGED" and merged["customer"]["id"] == first["customer"]["id"]
    assert entries(merged["customer"]["customFields"]) == {"employees": 5, "tier": "Gold"}
    assert codes(refused) == [("customFields.employees", "INVALID")]
    assert updated["outcome"] == "UPDATED"
    assert entries(updated["customer"]["customFields"]) == {"tier": "Silver"}


async def test_merging_customers_validates_the_united_values(gql, shop, factory):
    tenant, admin, ids = shop
    primary = await factory.customer(tenant, name="P", custom_fields=as_json({"tier": "Gold"}))
    dup = await factory.customer(tenant, name="D", custom_fields=as_json({"employees": 7, "legacy": "x"}))
    clean_dup = await factory.customer(tenant, name="C", custom_fields=as_json({"employees": 7, "tier": "Silver"}))
    before = await tenant_fingerprint(tenant.id)

    refused = await gql.data(MERGE, {"input": {"primaryId": gid(primary), "duplicateIds": [gid(dup)]}}, as_=admin)
    assert codes(refused["mergeCustomers"]) == [("customFields.legacy", "UNKNOWN")]
    assert await tenant_fingerprint(tenant.id) == before

    await execute(Sql("UPDATE custom_field SET required = true WHERE id = %s", ids["since"]))
    missing = await gql.data(MERGE, {"input": {"primaryId": gid(primary), "duplicateIds": [gid(clean_dup)]}}, as_=admin)
    assert codes(missing["mergeCustomers"]) == [("customFields.since", "REQUIRED")]
    assert await tenant_fingerprint(tenant.id) == before

    await execute(Sql("UPDATE custom_field SET required = false WHERE id = %s", ids["since"]))
    merged = await gql.data(MERGE, {"input": {"primaryId": gid(primary), "duplicateIds": [gid(clean_dup)]}}, as_=admin)
    assert entries(merged["mergeCustomers"]["customer"]["customFields"]) == {"employees": 7, "tier": "Gold"}


async def test_archiving_hides_values_and_unarchiving_brings_them_back(gql, shop, factory):
    tenant, admin, ids = shop
    pk = await factory.customer(tenant, custom_fields=as_json({"tier": "Gold", "employees": 2}))
    tier = gid(ids["tier"], "CustomField")

    await gql.data(UPDATE_FIELD, {"input": {"id": tier, "expectedVersion": 1, "archived": True}}, as_=admin)
    hidden = await gql.data(GET, {"id": gid(pk)}, as_=admin)
    assert entries(hidden["customer"]["customFields"]) == {"employees": 2}
    assert await stored(pk) == {"tier": "Gold", "employees": 2}

    await gql.data(UPDATE_FIELD, {"input": {"id": tier, "expectedVersion": 2, "archived": False}}, as_=admin)
    shown = await gql.data(GET, {"id": gid(pk)}, as_=admin)
    assert entries(shown["customer"]["customFields"]) == {"employees": 2, "tier": "Gold"}


async def test_phone_and_email_values_are_hidden_like_contact_data(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    for key, kind in (("landline", "phone"), ("billing_email", "email"), ("nickname", "text")):
        await factory.custom_field(tenant, key, kind)
    values = {"landline": "+551133334444", "billing_email": "secret@example.com", "nickname": "Ana"}
    with_values = await factory.customer(tenant, owner=seller, custom_fields=as_json(values))
    without = await factory.customer(tenant, owner=seller)
    query = f"{{ customers(portfolio: ALL) {{ nodes {{ id {VALUES} }} }} }}"

    as_seller = {n["id"]: n["customFields"] for n in (await gql.data(query, as_=seller))["customers"]["nodes"]}
    as_admin = {n["id"]: n["customFields"] for n in (await gql.data(query, as_=admin))["customers"]["nodes"]}

    assert "secret" not in json.dumps(as_seller) and "3333" not in json.dumps(as_seller)
    for pk in (with_values, without):  # listed with or without a value: presence reveals nothing
        masked = {v["key"]: (v["value"], v["text"], v["hidden"]) for v in as_seller[gid(pk)]}
        assert masked["landline"] == (None, None, True) and masked["billing_email"] == (None, None, True)
    assert entries(as_seller[gid(with_values)])["nickname"] == "Ana"
    assert entries(as_admin[gid(with_values)]) == values
    assert entries(as_admin[gid(without)]) == {}
