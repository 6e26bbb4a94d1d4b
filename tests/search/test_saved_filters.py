"""Saved lists: personal or shared, applied with the caller's own visibility, robust to deletions."""

from __future__ import annotations

import pytest

from models.db import fetch
from models.sql import Sql
from tests.helpers import error_codes, gid

SAVE = """mutation($i: SaveFilterInput!) { saveFilter(input: $i) { __typename
  ... on SavedFilterSuccess { savedFilter { id name shared search filter sort owner { email } } }
  ... on ValidationFailed { fields { field code } } } }"""
UPDATE = """mutation($i: UpdateSavedFilterInput!) { updateSavedFilter(input: $i) { __typename
  ... on SavedFilterSuccess { savedFilter { name shared } } ... on NotFound { message } } }"""
DELETE = """mutation($i: DeleteSavedFilterInput!) { deleteSavedFilter(input: $i) { __typename } }"""
LISTS = "{ savedFilters { name shared owner { email } } }"
APPLY = """query($id: ID!) { node(id: $id) { ... on SavedFilter { name ignored
  customers(first: 50) { totalCount nodes { name } } } } }"""


@pytest.fixture
async def shop(gql, factory):
    tenant = await factory.tenant()
    admin, supervisor = await factory.user(tenant, "admin"), await factory.user(tenant, "supervisor")
    ana, bruno = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    team = await factory.team(tenant, name="North")
    customers = {
        "ana vip": await factory.customer(tenant, name="Ana VIP", owner=ana),
        "ana plain": await factory.customer(tenant, name="Ana Plain", owner=ana),
        "bruno vip": await factory.customer(tenant, name="Bruno VIP", owner=bruno, teams=[team]),
    }
    for key in ("ana vip", "bruno vip"):
        await gql.data(
            "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
            {"i": {"customerId": gid(customers[key]), "tags": ["VIP"]}},
            as_=admin,
        )
    tag = (await fetch(Sql("SELECT id FROM tag WHERE tenant_id = %s", tenant.id)))[0]["id"]
    return tenant, admin, supervisor, ana, bruno, team, customers, gid(tag, "Tag")


async def test_a_saved_filter_remembers_filter_search_and_order(gql, shop):
    _, admin, _, _, _, _, _, vip = shop

    saved = (
        await gql.data(
            SAVE,
            {
                "i": {
                    "name": "  VIPs ",
                    "filter": {"tags": {"anyOf": [vip]}},
                    "search": "vip",
                    "sort": {"field": "NAME", "direction": "DESC"},
                }
            },
            as_=admin,
        )
    )["saveFilter"]
    applied = (await gql.data(APPLY, {"id": saved["savedFilter"]["id"]}, as_=admin))["node"]

    filt = saved["savedFilter"]
    assert (filt["name"], filt["shared"], filt["search"]) == ("VIPs", False, "vip")
    assert filt["filter"] == {"tags": {"anyOf": [vip]}}
    assert filt["sort"] == {"field": "NAME", "direction": "DESC"}
    assert [n["name"] for n in applied["customers"]["nodes"]] == ["Bruno VIP", "Ana VIP"]
    assert applied["ignored"] == []


async def test_personal_lists_are_private_and_shared_ones_reach_the_company(gql, shop):
    _, _admin, supervisor, ana, bruno, _, _, vip = shop
    mine = await gql.data(SAVE, {"i": {"name": "Mine", "filter": {"tags": {"anyOf": [vip]}}}}, as_=ana)
    await gql.data(
        SAVE, {"i": {"name": "Company VIPs", "filter": {"tags": {"anyOf": [vip]}}, "shared": True}}, as_=supervisor
    )

    for_bruno = (await gql.data(LISTS, as_=bruno))["savedFilters"]
    for_ana = (await gql.data(LISTS, as_=ana))["savedFilters"]
    peek = await gql.data(APPLY, {"id": mine["saveFilter"]["savedFilter"]["id"]}, as_=bruno)

    assert [f["name"] for f in for_bruno] == ["Company VIPs"]
    assert sorted(f["name"] for f in for_ana) == ["Company VIPs", "Mine"]
    assert peek["node"] is None  # another seller's personal list does not exist for him


async def test_applying_a_shared_list_applies_the_callers_own_visibility(gql, shop):
    _, _, supervisor, ana, bruno, _, _, vip = shop
    shared = await gql.data(
        SAVE,
        {"i": {"name": "VIPs", "filter": {"tags": {"anyOf": [vip]}, "portfolio": "ALL"}, "shared": True}},
        as_=supervisor,
    )
    fid = shared["saveFilter"]["savedFilter"]["id"]

    as_supervisor = (await gql.data(APPLY, {"id": fid}, as_=supervisor))["node"]["customers"]
    as_ana = (await gql.data(APPLY, {"id": fid}, as_=ana))["node"]["customers"]
    as_bruno = (await gql.data(APPLY, {"id": fid}, as_=bruno))["node"]["customers"]

    assert as_supervisor["totalCount"] == 2
    assert [n["name"] for n in as_ana["nodes"]] == ["Ana VIP"]
    assert [n["name"] for n in as_bruno["nodes"]] == ["Bruno VIP"]


async def test_only_admins_and_supervisors_share(gql, shop):
    tenant, _, _, ana, *_ = shop

    body = await gql.post(SAVE, {"i": {"name": "Everyone", "shared": True}}, as_=ana)

    assert error_codes(body) == ["FORBIDDEN"]
    assert await fetch(Sql("SELECT id FROM saved_filter WHERE tenant_id = %s", tenant.id)) == []


async def test_rename_update_and_delete_by_their_owner(gql, shop):
    _, _, _, ana, bruno, *_ = shop
    fid = (await gql.data(SAVE, {"i": {"name": "Old"}}, as_=ana))["saveFilter"]["savedFilter"]["id"]
    await gql.data(SAVE, {"i": {"name": "Taken"}}, as_=ana)

    renamed = await gql.data(UPDATE, {"i": {"id": fid, "name": "New"}}, as_=ana)
    taken = await gql.data(
        UPDATE.replace("... on NotFound { message }", "... on ValidationFailed { fields { code } }"),
        {"i": {"id": fid, "name": "Taken"}},
        as_=ana,
    )
    by_other = await gql.data(UPDATE, {"i": {"id": fid, "name": "Mine now"}}, as_=bruno)
    deleted = await gql.data(DELETE, {"i": {"id": fid}}, as_=ana)

    assert renamed["updateSavedFilter"]["savedFilter"]["name"] == "New"
    assert taken["updateSavedFilter"]["fields"] == [{"code": "TAKEN"}]
    assert by_other["updateSavedFilter"]["__typename"] == "NotFound"
    assert deleted["deleteSavedFilter"]["__typename"] == "SavedFilterDeleted"


async def test_a_filter_naming_a_deleted_tag_keeps_working_and_says_what_it_ignores(gql, shop):
    _, admin, _, _, _, team, _, vip = shop
    saved = await gql.data(
        SAVE,
        {"i": {"name": "VIPs of North", "filter": {"tags": {"anyOf": [vip]}, "teamIds": [gid(team, "Team")]}}},
        as_=admin,
    )
    fid = saved["saveFilter"]["savedFilter"]["id"]
    before = (await gql.data(APPLY, {"id": fid}, as_=admin))["node"]

    deleted = await gql.data(
        "mutation($i: DeleteTagInput!) { deleteTag(input: $i) { __typename "
        "... on TagDeleted { removedFromCustomers } } }",
        {"i": {"id": vip}},
        as_=admin,
    )
    after = (await gql.data(APPLY, {"id": fid}, as_=admin))["node"]

    assert [n["name"] for n in before["customers"]["nodes"]] == ["Bruno VIP"]
    assert deleted["deleteTag"]["removedFromCustomers"] == 2
    assert after["ignored"] == ["tag 'VIP', which was deleted"]
    assert [n["name"] for n in after["customers"]["nodes"]] == ["Bruno VIP"]  # still filtered by team


async def test_a_filter_on_a_deleted_custom_field_keeps_working(gql, factory, shop):
    tenant, admin, *_ = shop
    field = await factory.custom_field(tenant, "segment", "text")
    saved = await gql.data(
        SAVE, {"i": {"name": "Retail", "filter": {"customFields": [{"key": "segment", "equals": "Retail"}]}}}, as_=admin
    )
    from models import CustomField

    await CustomField.filter(id=field).delete()

    after = (await gql.data(APPLY, {"id": saved["saveFilter"]["savedFilter"]["id"]}, as_=admin))["node"]

    assert after["ignored"] == ["the condition on custom field 'segment', which was deleted or archived"]
    assert after["customers"]["totalCount"] == 3


async def test_an_invalid_filter_is_not_saved(gql, shop):
    tenant, admin, *_ = shop

    data = await gql.data(SAVE, {"i": {"name": "Bad", "filter": {"createdBetween": {}}}}, as_=admin)

    assert data["saveFilter"] == {
        "__typename": "ValidationFailed",
        "fields": [{"field": "filter.createdBetween", "code": "REQUIRED"}],
    }
    assert await fetch(Sql("SELECT id FROM saved_filter WHERE tenant_id = %s", tenant.id)) == []


async def test_tags_list_counts_what_the_caller_sees(gql, shop):
    _, admin, _, ana, *_ = shop

    as_admin = await gql.data("{ tags { tag { name } customerCount } }", as_=admin)
    as_ana = await gql.data("{ tags { tag { name } customerCount } }", as_=ana)

    assert as_admin["tags"] == [{"tag": {"name": "VIP"}, "customerCount": 2}]
    assert as_ana["tags"] == [{"tag": {"name": "VIP"}, "customerCount": 1}]
