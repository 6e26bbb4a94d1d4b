"""Renaming a select option cascades to every customer holding it, in one transaction."""

from __future__ import annotations

import pytest

from models.db import execute, fetch, fetchrow, fetchval
from models.sql import Sql
from tests.custom_fields.helpers import as_json, stored
from tests.helpers import gid, tenant_fingerprint

RENAME = """
mutation($input: RenameFieldOptionInput!) {
  renameFieldOption(input: $input) {
    __typename
    ... on RenameFieldOptionSuccess { updatedCustomers field { options version } }
    ... on ValidationFailed { fields { field code message } }
    ... on VersionConflict { expectedVersion currentVersion }
    ... on NotFound { message }
  }
}
"""
TIERS = ["Gold", "Silver", "Bronze"]


async def rename(gql, user, field_id, old, new, version=1):
    data = await gql.data(
        RENAME,
        {"input": {"fieldId": gid(field_id, "CustomField"), "from": old, "to": new, "expectedVersion": version}},
        as_=user,
    )
    return data["renameFieldOption"]


async def holding(tenant_id, value):
    return await fetchval(
        Sql(
            "SELECT count(*) FROM customer WHERE tenant_id = %s AND custom_fields @> %s::jsonb",
            tenant_id,
            as_json({"tier": value}),
        )
    )


async def seed(tenant_id, count):
    """``count`` customers cycling through the tiers, in one statement."""
    await execute(
        Sql(
            "INSERT INTO customer (tenant_id, name, search_text, custom_fields, updated_at) "
            "SELECT %s, 'C' || i, 'c' || i, jsonb_build_object('tier', (%s::text[])[1 + i %% 3], 'n', i), "
            "now() - interval '1 day' FROM generate_series(1, %s) i",
            tenant_id,
            TIERS,
            count,
        )
    )


@pytest.fixture
async def tiers(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    field = await factory.custom_field(tenant, "tier", "select", options=TIERS)
    return tenant, admin, field


async def test_a_rename_rewrites_every_holder_in_one_statement(gql, tiers, factory, count_statements):
    tenant, admin, field = tiers
    await seed(tenant.id, 2000)
    survivor = await factory.customer(tenant, custom_fields=as_json({"tier": "Gold"}))
    tombstone = await factory.customer(tenant, custom_fields=as_json({"tier": "Gold"}), merged_into_id=survivor)
    elsewhere = await factory.tenant()
    foreign = await factory.customer(elsewhere, custom_fields=as_json({"tier": "Gold"}))
    gold = await holding(tenant.id, "Gold")
    versions = await fetchval(Sql("SELECT sum(version) FROM customer WHERE tenant_id = %s", tenant.id))

    with count_statements() as counter:
        result = await rename(gql, admin, field, "Gold", "Premium")

    assert result["__typename"] == "RenameFieldOptionSuccess"
    assert result["updatedCustomers"] == gold - 1 == 667  # live holders; the tombstone is rewritten, not counted
    assert result["field"] == {"options": ["Premium", "Silver", "Bronze"], "version": 2}
    assert counter.count < 10, counter.statements  # no statement per customer
    assert await holding(tenant.id, "Gold") == 0
    assert await holding(tenant.id, "Premium") == gold
    assert await stored(tombstone) == {"tier": "Premium"}
    assert await stored(foreign) == {"tier": "Gold"}  # another company's field of the same key
    # versions stay (a relabel of the same choice); updated_at moves for the rewritten ones only
    assert await fetchval(Sql("SELECT sum(version) FROM customer WHERE tenant_id = %s", tenant.id)) == versions
    touched = await fetchrow(
        Sql(
            "SELECT count(*) FILTER (WHERE updated_at > now() - interval '1 hour') AS recent, "
            "count(*) FILTER (WHERE custom_fields->>'tier' = 'Silver' AND updated_at > now() - interval '1 hour') "
            "AS silver FROM customer WHERE tenant_id = %s AND custom_fields ? 'n'",
            tenant.id,
        )
    )
    assert touched == {"recent": 666, "silver": 0}  # the seeded Gold ones (every third)
    events = await fetch(
        Sql("SELECT data FROM customer_event WHERE tenant_id = %s AND kind = 'custom_option_renamed'", tenant.id)
    )
    assert len(events) == gold
    assert events[0]["data"] == {"field": "tier", "from": "Gold", "to": "Premium"}


async def test_a_multi_select_rename_keeps_lists_sorted(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    field = await factory.custom_field(tenant, "channels", "multi_select", options=["A", "B", "C", "Zeta"])
    both = await factory.customer(tenant, custom_fields=as_json({"channels": ["A", "B"]}))
    other = await factory.customer(tenant, custom_fields=as_json({"channels": ["B"]}))
    last = await factory.customer(tenant, custom_fields=as_json({"channels": ["A", "Zeta"]}))

    first = await rename(gql, admin, field, "a", "Y")
    second = await rename(gql, admin, field, "Zeta", "Alpha", version=2)

    assert (first["updatedCustomers"], second["updatedCustomers"]) == (2, 1)
    assert second["field"]["options"] == ["Y", "B", "C", "Alpha"]
    assert await stored(both) == {"channels": ["B", "Y"]}
    assert await stored(other) == {"channels": ["B"]}
    assert await stored(last) == {"channels": ["Alpha", "Y"]}


async def test_a_stale_version_renames_nothing(gql, tiers, factory):
    tenant, admin, field = tiers
    pk = await factory.customer(tenant, custom_fields=as_json({"tier": "Gold"}))
    await rename(gql, admin, field, "Silver", "Argent")  # version 1 -> 2
    before = await tenant_fingerprint(tenant.id)

    result = await rename(gql, admin, field, "Gold", "Premium", version=1)

    assert result == {"__typename": "VersionConflict", "expectedVersion": 1, "currentVersion": 2}
    assert await tenant_fingerprint(tenant.id) == before
    assert await stored(pk) == {"tier": "Gold"}
    options = await fetchval(Sql("SELECT options FROM custom_field WHERE id = %s", field))
    assert options == ["Gold", "Argent", "Bronze"]


async def test_renaming_onto_another_option_is_refused_but_a_change_of_case_is_not(gql, tiers, factory):
    tenant, admin, field = tiers
    pk = await factory.customer(tenant, custom_fields=as_json({"tier": "Gold"}))
    before = await tenant_fingerprint(tenant.id)

    taken = await rename(gql, admin, field, "Gold", " silver ")
    assert [(f["field"], f["code"]) for f in taken["fields"]] == [("to", "TAKEN")]
    assert await tenant_fingerprint(tenant.id) == before
    assert await fetchval(Sql("SELECT version FROM custom_field WHERE id = %s", field)) == 1

    recased = await rename(gql, admin, field, "Gold", "GOLD")
    assert recased["updatedCustomers"] == 1
    assert await stored(pk) == {"tier": "GOLD"}


async def test_an_option_that_no_longer_exists_gets_a_clear_error(gql, tiers):
    _, admin, field = tiers
    await rename(gql, admin, field, "Gold", "Premium")

    gone = await rename(gql, admin, field, "Gold", "Platinum", version=2)
    never = await rename(gql, admin, field, "Wood", "Oak", version=2)

    for result in (gone, never):
        assert [(f["field"], f["code"]) for f in result["fields"]] == [("from", "UNKNOWN_OPTION")]
    assert "Premium, Silver, Bronze" in gone["fields"][0]["message"]


async def test_only_admins_rename_and_only_select_fields_have_options(gql, tiers, factory):
    tenant, admin, field = tiers
    text = await factory.custom_field(tenant, "nickname", "text")
    seller = await factory.user(tenant, "seller")

    forbidden = await gql.post(
        RENAME,
        {"input": {"fieldId": gid(field, "CustomField"), "from": "Gold", "to": "X", "expectedVersion": 1}},
        as_=seller,
    )
    not_select = await rename(gql, admin, text, "a", "b")
    missing = await rename(gql, admin, await factory.custom_field(await factory.tenant(), "tier", "select"), "a", "b")

    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [(f["field"], f["code"]) for f in not_select["fields"]] == [("fieldId", "NOT_ALLOWED")]
    assert missing["__typename"] == "NotFound"
