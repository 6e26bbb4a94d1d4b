"""Admins define the company's custom fields; everyone may read the definitions."""

from __future__ import annotations

from models.db import fetch, fetchval
from models.sql import Sql
from tests.custom_fields.helpers import (
    CREATE_FIELD,
    DELETE_FIELD,
    LIST_FIELDS,
    UPDATE_FIELD,
    as_json,
    codes,
    define,
    stored,
)


async def test_admins_define_fields_and_every_role_reads_them(gql, factory):
    tenant = await factory.tenant()
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    supervisor = await factory.user(tenant, "supervisor")

    segment = await define(gql, admin, "segment", "SELECT", options=[" Gold ", "Silver"], required=True)
    notes = await define(gql, admin, "notes", "LONG_TEXT")
    first = await define(gql, admin, "first_buy", "DATE", position=0)

    assert segment["options"] == ["Gold", "Silver"] and segment["required"] is True and segment["version"] == 1
    assert (segment["position"], notes["position"]) == (0, 1)  # appended after the last one
    for user in (admin, supervisor, seller):
        listed = await gql.data(LIST_FIELDS, {"all": False}, as_=user)
        assert [f["key"] for f in listed["customFields"]] == ["first_buy", "segment", "notes"]
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on CustomField { key } } }", {"id": first["id"]}, as_=seller
    )
    assert node["node"] == {"key": "first_buy"}


async def test_only_admins_manage_fields(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    field = await define(gql, admin, "segment", "TEXT")
    for role in ("supervisor", "seller"):
        user = await factory.user(tenant, role)
        created = await gql.post(CREATE_FIELD, {"input": {"key": "x", "label": "X", "type": "TEXT"}}, as_=user)
        updated = await gql.post(
            UPDATE_FIELD, {"input": {"id": field["id"], "expectedVersion": 1, "label": "Y"}}, as_=user
        )
        deleted = await gql.post(DELETE_FIELD, {"input": {"id": field["id"]}}, as_=user)
        assert [b["errors"][0]["extensions"]["code"] for b in (created, updated, deleted)] == ["FORBIDDEN"] * 3
    listed = await gql.data(LIST_FIELDS, {"all": True}, as_=admin)
    assert [(f["key"], f["label"]) for f in listed["customFields"]] == [("segment", "Segment")]


async def test_definitions_are_validated(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await define(gql, admin, "segment", "TEXT")

    async def create(**fields):
        return (await gql.data(CREATE_FIELD, {"input": fields}, as_=admin))["createCustomField"]

    bad = await create(key="Segment-2", label=" ", type="SELECT", options=["Gold", "gold", ""])
    text_with_options = await create(key="ok", label="Ok", type="TEXT", options=["a"])
    no_options = await create(key="ok", label="Ok", type="MULTI_SELECT")
    taken = await create(key="segment", label="Again", type="NUMBER")
    trailing = await create(key="ok\n", label="Ok", type="TEXT")

    assert codes(bad) == [
        ("key", "INVALID"),
        ("label", "REQUIRED"),
        ("options[1]", "DUPLICATE"),
        ("options[2]", "REQUIRED"),
    ]
    assert codes(text_with_options) == [("options", "NOT_ALLOWED")]
    assert codes(no_options) == [("options", "REQUIRED")]
    assert codes(taken) == [("key", "TAKEN")]
    assert codes(trailing) == [("key", "INVALID")]
    assert await fetchval(Sql("SELECT count(*) FROM custom_field WHERE tenant_id = %s", tenant.id)) == 1


async def test_updates_check_the_version_and_write_nothing_when_stale(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    field = await define(gql, admin, "segment", "SELECT", options=["Gold"])
    elsewhere = await define(gql, await factory.user(await factory.tenant(), "admin"), "segment", "TEXT")

    async def update(**fields):
        return (await gql.data(UPDATE_FIELD, {"input": fields}, as_=admin))["updateCustomField"]

    changed = await update(id=field["id"], expectedVersion=1, label="Tier", options=["Gold", "Silver"], position=7)
    stale = await update(id=field["id"], expectedVersion=1, label="Stale")
    foreign = await update(id=elsewhere["id"], expectedVersion=1, label="Mine")

    assert changed["field"]["label"] == "Tier" and changed["field"]["options"] == ["Gold", "Silver"]
    assert (changed["field"]["position"], changed["field"]["version"]) == (7, 2)
    assert stale == {"__typename": "VersionConflict", "expectedVersion": 1, "currentVersion": 2}
    assert foreign["__typename"] == "NotFound"
    listed = await gql.data(LIST_FIELDS, {"all": True}, as_=admin)
    assert listed["customFields"][0]["label"] == "Tier"


async def test_an_option_customers_hold_cannot_be_dropped(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    field = await define(gql, admin, "tags", "MULTI_SELECT", options=["A", "B", "C"])
    await factory.customer(tenant, custom_fields=as_json({"tags": ["A", "B"]}))

    held = await gql.data(
        UPDATE_FIELD, {"input": {"id": field["id"], "expectedVersion": 1, "options": ["B", "C"]}}, as_=admin
    )
    free = await gql.data(
        UPDATE_FIELD, {"input": {"id": field["id"], "expectedVersion": 1, "options": ["A", "B"]}}, as_=admin
    )

    assert codes(held["updateCustomField"]) == [("options", "IN_USE")]
    assert "'A'" in held["updateCustomField"]["fields"][0]["message"]
    assert free["updateCustomField"]["field"]["options"] == ["A", "B"]


async def test_archived_fields_leave_the_list_and_come_back(gql, factory):
    tenant = await factory.tenant()
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    field = await define(gql, admin, "segment", "TEXT")

    archived = await gql.data(
        UPDATE_FIELD, {"input": {"id": field["id"], "expectedVersion": 1, "archived": True}}, as_=admin
    )
    hidden = await gql.data(LIST_FIELDS, {"all": False}, as_=seller)
    everything = await gql.data(LIST_FIELDS, {"all": True}, as_=seller)
    back = await gql.data(
        UPDATE_FIELD, {"input": {"id": field["id"], "expectedVersion": 2, "archived": False}}, as_=admin
    )

    assert archived["updateCustomField"]["field"]["archived"] is True
    assert hidden["customFields"] == []
    assert [f["key"] for f in everything["customFields"]] == ["segment"]
    assert back["updateCustomField"]["field"]["archived"] is False
    assert len((await gql.data(LIST_FIELDS, {"all": False}, as_=seller))["customFields"]) == 1


async def test_deleting_a_field_with_values_needs_confirmation(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    field = await define(gql, admin, "segment", "TEXT")
    holders = [
        await factory.customer(tenant, custom_fields=as_json({"segment": f"s{i}", "other": 1})) for i in range(3)
    ]
    tombstone = await factory.customer(tenant, custom_fields=as_json({"segment": "old"}), merged_into_id=holders[0])
    without = await factory.customer(tenant, custom_fields=as_json({"other": 2}))
    other_tenant = await factory.tenant()
    foreign = await factory.customer(other_tenant, custom_fields=as_json({"segment": "theirs"}))

    refused = await gql.data(DELETE_FIELD, {"input": {"id": field["id"]}}, as_=admin)

    assert refused["deleteCustomField"]["__typename"] == "ConfirmationRequired"
    assert refused["deleteCustomField"]["affectedCustomers"] == 3  # live customers only
    assert (await stored(holders[0]))["segment"] == "s0"
    assert len((await gql.data(LIST_FIELDS, {"all": True}, as_=admin))["customFields"]) == 1

    deleted = await gql.data(DELETE_FIELD, {"input": {"id": field["id"], "confirm": True}}, as_=admin)

    assert deleted["deleteCustomField"] == {
        "__typename": "DeleteCustomFieldSuccess",
        "deletedId": field["id"],
        "clearedCustomers": 3,
    }
    assert [await stored(pk) for pk in holders] == [{"other": 1}] * 3
    assert await stored(tombstone) == {}  # undoing its merge cannot bring the value back
    assert await stored(without) == {"other": 2}
    assert await stored(foreign) == {"segment": "theirs"}
    assert (await gql.data(LIST_FIELDS, {"all": True}, as_=admin))["customFields"] == []
    events = await fetch(
        Sql(
            "SELECT customer_id, data FROM customer_event WHERE tenant_id = %s AND kind = 'custom_field_deleted'",
            tenant.id,
        )
    )
    assert sorted((e["customer_id"], e["data"]["removed"]) for e in events) == sorted(
        [*((pk, f"s{i}") for i, pk in enumerate(holders)), (tombstone, "old")]
    )


async def test_a_field_without_values_is_deleted_without_confirmation(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    field = await define(gql, admin, "segment", "TEXT")
    await factory.customer(tenant)

    stale = await gql.data(DELETE_FIELD, {"input": {"id": field["id"], "expectedVersion": 3}}, as_=admin)
    deleted = await gql.data(DELETE_FIELD, {"input": {"id": field["id"]}}, as_=admin)
    again = await gql.data(DELETE_FIELD, {"input": {"id": field["id"]}}, as_=admin)

    assert stale["deleteCustomField"] == {"__typename": "VersionConflict", "currentVersion": 1}
    assert deleted["deleteCustomField"]["clearedCustomers"] == 0
    assert again["deleteCustomField"]["__typename"] == "NotFound"
