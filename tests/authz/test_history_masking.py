"""History is masked by the rules of the live fields, whatever happened to the field or the merge since.

- a value is contact data if it was when written (the entry records the custom field's type), so
  deleting the field, or re-creating its key with another type, never unmasks old entries;
- a change whose values are withheld is left out of the entry (and an entry made only of such
  changes is left out of the timeline), so history never tells that a hidden value is there;
- a merge's entries name the other customer (id, name, the values taken from it) only to callers who
  may read that customer now; a merged-away customer counts as part of the one it was merged into.
"""

from __future__ import annotations

import json

import pytest

from models.db import execute
from models.sql import Sql
from tests.custom_fields.helpers import DELETE_FIELD, define
from tests.helpers import gid

HISTORY = """query($id: ID!) { customer(id: $id) { timeline(first: 50, kinds: [HISTORY]) { nodes {
  ... on HistoryEntry { id kind changes { field before after } details } } } } }"""
MERGE = """mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { __typename
  ... on MergeCustomersSuccess { merge { id } } } }"""
UNDO = "mutation($input: UndoMergeInput!) { undoMerge(input: $input) { __typename } }"
UPDATE = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { __typename
  ... on ValidationFailed { fields { field code message } } } }"""
SECRET = ("Bruna Secreta", "Secreta Comercio", "52998224725")


async def history(gql, user, customer):
    data = await gql.data(HISTORY, {"id": gid(customer)}, as_=user)
    return data["customer"]["timeline"]["nodes"]


def entry(entries, kind):
    return next(e for e in entries if e["kind"] == kind)


async def merge_and_undo(gql, admin, primary, duplicate, undo=True):
    data = await gql.data(MERGE, {"input": {"primaryId": gid(primary), "duplicateIds": [gid(duplicate)]}}, as_=admin)
    assert data["mergeCustomers"]["__typename"] == "MergeCustomersSuccess", data
    if undo:
        undone = await gql.data(UNDO, {"input": {"mergeId": data["mergeCustomers"]["merge"]["id"]}}, as_=admin)
        assert undone["undoMerge"]["__typename"] == "UndoMergeSuccess", undone


@pytest.fixture
async def restricted(factory):
    tenant = await factory.tenant(restricted_visibility=True)
    admin = await factory.user(tenant, "admin")
    supervisor = await factory.user(tenant, "supervisor")
    mine, theirs = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    return tenant, admin, supervisor, mine, theirs


async def _pair(factory, tenant, mine, theirs):
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    name, trade, document = SECRET
    other = await factory.customer(tenant, name=name, owner=theirs, trade_name=trade, document=document)
    return primary, other


async def test_after_an_undo_the_merged_entry_no_longer_names_a_customer_the_caller_cannot_read(
    gql, factory, restricted
):
    tenant, admin, supervisor, mine, theirs = restricted
    primary, other = await _pair(factory, tenant, mine, theirs)
    await merge_and_undo(gql, admin, primary, other)

    for_seller = await history(gql, mine, primary)
    merged = entry(for_seller, "MERGED")
    assert not any(part in str(for_seller) for part in SECRET)
    assert gid(other) not in str(for_seller) and str(other) not in str(for_seller)
    assert merged["details"]["duplicates"] == []
    # the values the merge took from it are left out: not even that they changed
    assert merged["changes"] == []
    undone = entry(for_seller, "MERGE_UNDONE")
    assert undone["details"]["duplicateIds"] == []

    for user in (admin, supervisor):
        full = entry(await history(gql, user, primary), "MERGED")
        assert full["details"]["duplicates"] == [{"id": gid(other), "name": SECRET[0]}]
        assert {c["field"]: c["after"] for c in full["changes"]} == {"tradeName": SECRET[1], "document": SECRET[2]}


async def test_while_the_merge_stands_the_merged_customer_is_part_of_the_primary(gql, factory, restricted):
    tenant, admin, _, mine, theirs = restricted
    primary, other = await _pair(factory, tenant, mine, theirs)
    await merge_and_undo(gql, admin, primary, other, undo=False)

    merged = entry(await history(gql, mine, primary), "MERGED")

    assert merged["details"]["duplicates"] == [{"id": gid(other), "name": SECRET[0]}]
    assert {c["field"]: c["after"] for c in merged["changes"]} == {"tradeName": SECRET[1], "document": SECRET[2]}


async def test_the_restored_customer_does_not_learn_the_primary_it_was_merged_into(gql, factory, restricted):
    tenant, admin, _, mine, theirs = restricted
    primary, other = await _pair(factory, tenant, mine, theirs)
    await execute(Sql("UPDATE customer SET name = 'Carla Oculta' WHERE id = %s", primary))
    await merge_and_undo(gql, admin, primary, other)

    for_owner = await history(gql, theirs, other)

    assert "Carla Oculta" not in str(for_owner) and str(primary) not in str(for_owner)
    assert gid(primary) not in str(for_owner)
    assert entry(for_owner, "MERGED_INTO")["details"]["primary"] is None
    assert entry(for_owner, "MERGE_UNDONE")["details"]["primaryId"] is None
    admin_view = await history(gql, admin, other)
    assert entry(admin_view, "MERGED_INTO")["details"]["primary"] == {"id": gid(primary), "name": "Carla Oculta"}


async def test_with_open_visibility_a_seller_reads_both_customers_and_their_merge(gql, factory):
    tenant = await factory.tenant(restricted_visibility=False)
    admin = await factory.user(tenant, "admin")
    mine, theirs = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    primary, other = await _pair(factory, tenant, mine, theirs)
    await merge_and_undo(gql, admin, primary, other)

    merged = entry(await history(gql, mine, primary), "MERGED")

    assert merged["details"]["duplicates"] == [{"id": gid(other), "name": SECRET[0]}]
    assert {c["field"]: c["after"] for c in merged["changes"]} == {"tradeName": SECRET[1], "document": SECRET[2]}


@pytest.mark.parametrize("hide", [True, False])
async def test_a_deleted_contact_field_stays_masked_in_history(gql, factory, hide):
    tenant = await factory.tenant(hide_contact_from_sellers=hide)
    admin = await factory.user(tenant, "admin")
    supervisor, seller = await factory.user(tenant, "supervisor"), await factory.user(tenant, "seller")
    field = await define(gql, admin, "mobile", "PHONE")
    await define(gql, admin, "mail", "EMAIL")
    customer = await factory.customer(tenant, name="Ana", owner=seller)
    values = [{"key": "mobile", "value": "11 98888-0000"}, {"key": "mail", "value": "ana@secret.com.br"}]
    result = await gql.data(UPDATE, {"input": {"id": gid(customer), "customFields": values}}, as_=admin)
    assert result["updateCustomer"]["__typename"] == "UpdateCustomerSuccess", result

    deleted = await gql.data(DELETE_FIELD, {"input": {"id": field["id"], "confirm": True}}, as_=admin)
    assert deleted["deleteCustomField"]["__typename"] == "DeleteCustomFieldSuccess"
    # the key comes back as a field that is not contact data: old values must not follow it
    await define(gql, admin, "mobile", "TEXT")

    for_seller = await history(gql, seller, customer)
    for_supervisor = await history(gql, supervisor, customer)

    assert ("98888" in str(for_seller)) is not hide
    assert ("ana@secret" in str(for_seller)) is not hide
    assert "98888" in str(for_supervisor) and "ana@secret" in str(for_supervisor)
    kinds = [e["kind"] for e in for_seller]
    if hide:  # the edit and the deletion touched contact data only: the seller is not told of either
        assert "CUSTOM_FIELD_DELETED" not in kinds and "UPDATED" not in kinds
    else:
        removal = entry(for_seller, "CUSTOM_FIELD_DELETED")
        assert removal["details"] == {"field": "customFields.mobile"}
        assert removal["changes"] == [{"field": "customFields.mobile", "before": "+5511988880000", "after": None}]
        edit = {c["field"]: c["after"] for c in entry(for_seller, "UPDATED")["changes"]}
        assert edit == {"customFields.mobile": "+5511988880000", "customFields.mail": "ana@secret.com.br"}
    assert {"UPDATED", "CUSTOM_FIELD_DELETED"} <= {e["kind"] for e in for_supervisor}


async def test_entries_written_before_types_were_recorded_fail_closed(gql, factory):
    """An old entry naming a custom key whose definition is gone is treated as contact data."""
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    customer = await factory.customer(tenant, name="Ana", owner=seller)
    await execute(
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, actor_name, data) VALUES "
            "(%s, %s, 'updated', 'old', %s::jsonb), (%s, %s, 'custom_field_deleted', 'old', %s::jsonb)",
            tenant.id,
            customer,
            '{"changes": {"custom_fields": [{}, {"gone": "+5511977776666"}]}}',
            tenant.id,
            customer,
            '{"field": "gone", "removed": "+5511977776666"}',
        )
    )

    for_seller = await history(gql, seller, customer)
    for_admin = await history(gql, admin, customer)

    assert "977776666" not in str(for_seller)
    assert not {"UPDATED", "CUSTOM_FIELD_DELETED"} & {e["kind"] for e in for_seller}
    assert str(for_admin).count("+5511977776666") == 2


async def test_merged_custom_contact_values_stay_masked_after_the_field_is_deleted(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True, allow_duplicates=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    field = await define(gql, admin, "mobile", "PHONE")
    primary = await factory.customer(tenant, name="Primary", owner=seller)
    other = await factory.customer(tenant, name="Other", owner=seller, custom_fields='{"mobile": "+5511955554444"}')
    await merge_and_undo(gql, admin, primary, other, undo=False)
    await gql.data(DELETE_FIELD, {"input": {"id": field["id"], "confirm": True}}, as_=admin)

    for_seller = await history(gql, seller, primary)

    assert "955554444" not in str(for_seller)
    assert "customFields.mobile" not in {c["field"] for c in entry(for_seller, "MERGED")["changes"]}
    assert {"field": "customFields.mobile", "before": None, "after": "+5511955554444"} in entry(
        await history(gql, admin, primary), "MERGED"
    )["changes"]


async def test_the_migration_records_the_types_of_older_entries(gql, factory):
    """Older entries learn each key's type from the definition that existed when they were written."""
    import importlib

    forward = importlib.import_module("models.migrations.0012_history_value_kinds").FORWARD
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    seller = await factory.user(tenant, "seller")
    for key, kind in (("cell", "phone"), ("segment", "text"), ("later", "text")):
        await factory.custom_field(tenant, key, kind)
    # "later" was re-created after the entry (its old phone definition was deleted): not the same field
    await execute(
        Sql(
            "UPDATE custom_field SET created_at = now() - CASE key WHEN 'later' THEN interval '0 hours' "
            "ELSE interval '2 hours' END WHERE tenant_id = %s",
            tenant.id,
        )
    )
    customer = await factory.customer(tenant, name="Ana", owner=seller)
    old = {"cell": "+5511911112222", "segment": "Retail", "later": "+5511933334444", "gone": "+5511955556666"}
    await execute(
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, actor_name, data, created_at) "
            "VALUES (%s, %s, 'updated', 'old', %s::jsonb, now() - interval '1 hour')",
            tenant.id,
            customer,
            json.dumps({"changes": {"custom_fields": [{}, old]}}),
        )
    )

    await execute(Sql(forward.replace("%", "%%")))

    changes = entry(await history(gql, seller, customer), "UPDATED")["changes"]
    # cell was a phone, later and gone are of unknown type: all left out
    assert changes == [{"field": "customFields.segment", "before": None, "after": "Retail"}]


async def test_each_value_a_merge_took_is_judged_by_the_customer_it_came_from(gql, factory, restricted):
    tenant, admin, _, mine, theirs = restricted
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    own = await factory.customer(tenant, name="Own", owner=mine, trade_name="Visible Trade")
    hidden = await factory.customer(tenant, name=SECRET[0], owner=theirs, document=SECRET[2])
    data = await gql.data(
        MERGE, {"input": {"primaryId": gid(primary), "duplicateIds": [gid(own), gid(hidden)]}}, as_=admin
    )
    await gql.data(UNDO, {"input": {"mergeId": data["mergeCustomers"]["merge"]["id"]}}, as_=admin)

    merged = entry(await history(gql, mine, primary), "MERGED")

    assert {c["field"]: c["after"] for c in merged["changes"]} == {"tradeName": "Visible Trade"}
    assert merged["details"]["duplicates"] == [{"id": gid(own), "name": "Own"}]
    assert "sources" not in merged["details"] and "custom_types" not in merged["details"]


async def test_a_deleted_field_that_held_no_contact_data_stays_visible(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    field = await define(gql, admin, "segment", "TEXT")
    customer = await factory.customer(tenant, name="Ana", owner=seller)
    values = [{"key": "segment", "value": "Retail"}]
    await gql.data(UPDATE, {"input": {"id": gid(customer), "customFields": values}}, as_=admin)
    await gql.data(DELETE_FIELD, {"input": {"id": field["id"], "confirm": True}}, as_=admin)

    for_seller = await history(gql, seller, customer)

    assert entry(for_seller, "CUSTOM_FIELD_DELETED")["changes"] == [
        {"field": "customFields.segment", "before": "Retail", "after": None}
    ]
    assert {"field": "customFields.segment", "before": None, "after": "Retail"} in entry(for_seller, "UPDATED")[
        "changes"
    ]


async def test_node_on_a_history_entry_is_masked_and_scoped_like_the_timeline(gql, factory, restricted):
    tenant, admin, _, mine, theirs = restricted
    primary, other = await _pair(factory, tenant, mine, theirs)
    await merge_and_undo(gql, admin, primary, other)
    merged_id = entry(await history(gql, admin, primary), "MERGED")["id"]
    node = """query($id: ID!) { node(id: $id) { id ... on HistoryEntry { kind changes { field after } details } } }"""

    for_seller = (await gql.data(node, {"id": merged_id}, as_=mine))["node"]
    for_admin = (await gql.data(node, {"id": merged_id}, as_=admin))["node"]
    for_other_seller = (await gql.data(node, {"id": merged_id}, as_=theirs))["node"]

    assert for_seller["kind"] == "MERGED" and not any(part in str(for_seller) for part in SECRET)
    assert for_admin["details"]["duplicates"] == [{"id": gid(other), "name": SECRET[0]}]
    assert for_other_seller is None  # the primary is not theirs
