"""A saved filter outlives the options it names: a rename carries into it, a removal is reported
in ``ignored``, and a condition that is no longer for the caller is left out, never a crash."""

from __future__ import annotations

import json

import pytest

from models.db import execute, fetchval
from models.sql import Sql
from tests.helpers import error_codes, gid

SAVE = """mutation($i: SaveFilterInput!) { saveFilter(input: $i) { __typename
  ... on SavedFilterSuccess { savedFilter { id } } ... on ValidationFailed { fields { field code } } } }"""
APPLY = """query($id: ID!) { node(id: $id) { ... on SavedFilter { filter ignored
  customers(first: 50) { totalCount nodes { name } } } } }"""
RENAME = """mutation($i: RenameFieldOptionInput!) { renameFieldOption(input: $i) { __typename } }"""
UPDATE_FIELD = """mutation($i: UpdateCustomFieldInput!) { updateCustomField(input: $i) { __typename
  ... on ValidationFailed { fields { field code } } } }"""


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant()
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    fields = {
        "tier": await factory.custom_field(tenant, "tier", "select", options=["Gold", "Silver", "Bronze", "Platinum"]),
        "interests": await factory.custom_field(tenant, "interests", "multi_select", options=["Hats", "Shoes"]),
        "mobile": await factory.custom_field(tenant, "mobile", "phone"),
    }
    for name, values in {
        "Ana": {"tier": "Gold", "interests": ["Hats"], "mobile": "+5511999990000"},
        "Bia": {"tier": "Silver", "interests": ["Shoes"]},
        "Caio": {"tier": "Bronze"},
    }.items():
        await factory.customer(tenant, name=name, owner=seller, custom_fields=json.dumps(values))
    return tenant, admin, seller, fields


async def save(gql, user, conditions, name="List"):
    body = await gql.data(SAVE, {"i": {"name": name, "filter": {"customFields": conditions}, "shared": True}}, as_=user)
    assert body["saveFilter"]["__typename"] == "SavedFilterSuccess", body
    return body["saveFilter"]["savedFilter"]["id"]


async def apply(gql, user, filter_id):
    body = await gql.post(APPLY, {"id": filter_id}, as_=user)
    assert "errors" not in body, body
    found = body["data"]["node"]
    return sorted(n["name"] for n in found["customers"]["nodes"]), found["ignored"], found["filter"]


async def version_of(field_id):
    return await fetchval(Sql("SELECT version FROM custom_field WHERE id = %s", field_id))


async def test_a_renamed_option_carries_into_the_saved_filters_that_name_it(gql, shop):
    _, admin, seller, fields = shop
    equals = await save(gql, admin, [{"key": "tier", "equals": "gold"}], "Equals")  # any spelling of the option
    one_of = await save(gql, admin, [{"key": "tier", "oneOf": ["Gold", "Silver"]}], "One of")
    holds = await save(gql, admin, [{"key": "interests", "contains": "Hats"}], "Contains")

    for field, old, new in (("tier", "Gold", "Premium"), ("interests", "Hats", "Caps")):
        renamed = await gql.data(
            RENAME,
            {
                "i": {
                    "fieldId": gid(fields[field], "CustomField"),
                    "from": old,
                    "to": new,
                    "expectedVersion": await version_of(fields[field]),
                }
            },
            as_=admin,
        )
        assert renamed["renameFieldOption"]["__typename"] == "RenameFieldOptionSuccess"

    for user in (admin, seller):  # a shared list works for everyone it is shared with
        assert await apply(gql, user, equals) == (
            ["Ana"],
            [],
            {"customFields": [{"key": "tier", "equals": "Premium"}]},
        )
        assert (await apply(gql, user, one_of))[:2] == (["Ana", "Bia"], [])
        assert (await apply(gql, user, one_of))[2]["customFields"][0]["oneOf"] == ["Premium", "Silver"]
        assert await apply(gql, user, holds) == (
            ["Ana"],
            [],
            {"customFields": [{"key": "interests", "contains": "Caps"}]},
        )


async def test_a_rename_leaves_other_fields_and_companies_filters_alone(gql, shop, factory):
    _, admin, _, fields = shop
    other_field = await save(gql, admin, [{"key": "interests", "oneOf": ["Hats"]}], "Other field")
    elsewhere = await factory.tenant()
    stranger = await factory.user(elsewhere, "admin")
    await factory.custom_field(elsewhere, "tier", "select", options=["Gold"])
    foreign = await save(gql, stranger, [{"key": "tier", "equals": "Gold"}], "Foreign")

    await gql.data(
        RENAME,
        {"i": {"fieldId": gid(fields["tier"], "CustomField"), "from": "Gold", "to": "Premium", "expectedVersion": 1}},
        as_=admin,
    )

    assert (await apply(gql, admin, other_field))[2] == {"customFields": [{"key": "interests", "oneOf": ["Hats"]}]}
    assert await apply(gql, stranger, foreign) == ([], [], {"customFields": [{"key": "tier", "equals": "Gold"}]})


async def test_a_removed_option_is_reported_in_ignored_not_a_crash(gql, shop):
    _, admin, seller, fields = shop
    platinum = await save(gql, admin, [{"key": "tier", "equals": "Platinum"}], "Platinum")
    mixed = await save(
        gql, admin, [{"key": "tier", "oneOf": ["Platinum"]}, {"key": "interests", "contains": "Shoes"}], "Mixed"
    )

    removed = await gql.data(
        UPDATE_FIELD,
        {
            "i": {
                "id": gid(fields["tier"], "CustomField"),
                "expectedVersion": 1,
                "options": ["Gold", "Silver", "Bronze"],
            }
        },
        as_=admin,
    )
    assert removed["updateCustomField"]["__typename"] == "CustomFieldSuccess", removed

    for user in (admin, seller):
        names, ignored, _ = await apply(gql, user, platinum)
        assert names == ["Ana", "Bia", "Caio"]  # the condition is left out, as for a deleted tag
        assert len(ignored) == 1 and "tier" in ignored[0] and "Platinum" in ignored[0]
        names, ignored, _ = await apply(gql, user, mixed)
        assert names == ["Bia"] and len(ignored) == 1 and "tier" in ignored[0]


async def test_a_condition_hidden_from_the_caller_is_ignored_for_him_and_refused_when_direct(gql, shop, factory):
    tenant, admin, seller, _ = shop
    by_mobile = await save(gql, admin, [{"key": "mobile", "contains": "99999"}], "By mobile")
    await factory.set_tenant(tenant, hide_contact_from_sellers=True)

    as_admin = await apply(gql, admin, by_mobile)
    as_seller = await apply(gql, seller, by_mobile)
    direct = await gql.post(
        '{ customers(filter: {customFields: [{key: "mobile", contains: "99999"}]}) { totalCount } }', as_=seller
    )

    assert as_admin[:2] == (["Ana"], [])
    assert as_seller[0] == ["Ana", "Bia", "Caio"]  # not narrowed by a value he may not see
    assert len(as_seller[1]) == 1 and "mobile" in as_seller[1][0] and "99999" not in as_seller[1][0]
    assert as_admin[2] == {"customFields": [{"key": "mobile", "contains": "99999"}]}
    assert as_seller[2] == {"customFields": []}  # what was typed to find a phone is contact data too
    assert error_codes(direct) == ["BAD_USER_INPUT"]


async def test_an_invalid_stored_condition_is_ignored_not_a_crash(gql, shop):
    tenant, admin, _, _ = shop
    broken = await save(gql, admin, [{"key": "tier", "equals": "Gold"}], "Broken")
    await execute(
        Sql(
            "UPDATE saved_filter SET conditions = %s::jsonb WHERE tenant_id = %s",
            json.dumps(
                {
                    "customFields": [{"key": "tier", "equals": 42}, {"key": "interests", "min": "Hats"}],
                    "createdBetween": {"from": "2026-02-01T00:00:00+00:00", "to": "2026-01-01T00:00:00+00:00"},
                }
            ),
            tenant.id,
        )
    )

    names, ignored, _ = await apply(gql, admin, broken)

    assert names == ["Ana", "Bia", "Caio"]
    assert len(ignored) == 3, ignored
