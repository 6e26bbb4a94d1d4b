"""Merging and undoing a merge touch only customers within the caller's merge scope, and answer
only customers within its read scope.

Undo is judged on every customer it touches, as each will be once restored (which is how it was
when merged: a merged-away customer keeps its owner, and its teams come back with it).
"""

from __future__ import annotations

import pytest

from models.db import fetchrow, fetchval
from models.sql import Sql
from schema.node import parse_id
from tests.helpers import error_codes, gid

MERGE = """
mutation($input: MergeCustomersInput!) {
  mergeCustomers(input: $input) {
    __typename
    ... on MergeCustomersSuccess { customer { id name tradeName document } merge { id duplicateIds } }
    ... on ValidationFailed { fields { field code } }
    ... on NotFound { message }
  }
}
"""
UNDO = """
mutation($input: UndoMergeInput!) {
  undoMerge(input: $input) {
    __typename
    ... on UndoMergeSuccess { customer { id name } restored { id name tradeName document } }
    ... on MergeUndoBlocked { reason message }
    ... on NotFound { message }
  }
}
"""
MERGE_NODE = "query($id: ID!) { node(id: $id) { ... on Merge { id duplicateIds } } }"
SECRET = ("Bruna Secreta", "Secreta Comercio", "52998224725")


async def _merge(gql, admin, primary, duplicates, choices=()):
    data = await gql.data(
        MERGE,
        {
            "input": {
                "primaryId": gid(primary),
                "duplicateIds": [gid(d) for d in duplicates],
                "fieldChoices": [{"field": f, "customerId": gid(c)} for f, c in choices],
            }
        },
        as_=admin,
    )
    assert data["mergeCustomers"]["__typename"] == "MergeCustomersSuccess", data
    return data["mergeCustomers"]["merge"]["id"]


async def _state(merge_gid):
    merge_id = parse_id(merge_gid, "Merge")
    row = await fetchrow(Sql("SELECT primary_id, duplicate_ids, undone_at FROM customer_merge WHERE id = %s", merge_id))
    merged = await fetchval(
        Sql(
            "SELECT count(*) FROM customer WHERE id = ANY(%s::uuid[]) AND merged_into_id IS NOT NULL",
            row["duplicate_ids"],
        )
    )
    return row["undone_at"], merged


@pytest.fixture
async def two_sellers(factory):
    """A restricted company: each seller sees and merges only its own portfolio."""
    tenant = await factory.tenant(restricted_visibility=True)
    admin = await factory.user(tenant, "admin")
    supervisor = await factory.user(tenant, "supervisor")
    mine, theirs = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    return tenant, admin, supervisor, mine, theirs


async def _secret_customer(factory, tenant, owner, **more):
    name, trade, document = SECRET
    return await factory.customer(tenant, name=name, owner=owner, trade_name=trade, document=document, **more)


async def test_a_seller_cannot_undo_a_merge_that_restores_someone_elses_customer(gql, factory, two_sellers):
    tenant, admin, _, mine, theirs = two_sellers
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    hidden = await _secret_customer(factory, tenant, theirs)
    merge = await _merge(gql, admin, primary, [hidden])

    body = await gql.post(UNDO, {"input": {"mergeId": merge}}, as_=mine)

    # The merge is visible to the seller (its primary is theirs): refused, not "not found".
    assert error_codes(body) == ["FORBIDDEN"]
    assert not any(part in str(body) for part in SECRET)
    assert gid(hidden) not in str(body)
    assert await _state(merge) == (None, 1)  # nothing restored


async def test_a_seller_cannot_undo_when_the_restored_primary_leaves_its_scope(gql, factory, two_sellers):
    tenant, admin, _, mine, theirs = two_sellers
    # The primary was theirs; the merge gave it my duplicate's owner (me).
    primary = await factory.customer(tenant, name="Primary", owner=theirs)
    duplicate = await factory.customer(tenant, name="Mine", owner=mine)
    merge = await _merge(gql, admin, primary, [duplicate], choices=[("owner", duplicate)])
    assert await fetchval(Sql("SELECT owner_id FROM customer WHERE id = %s", primary)) == mine.id

    body = await gql.post(UNDO, {"input": {"mergeId": merge}}, as_=mine)

    assert error_codes(body) == ["FORBIDDEN"]
    assert await _state(merge) == (None, 1)
    assert await fetchval(Sql("SELECT owner_id FROM customer WHERE id = %s", primary)) == mine.id


async def test_a_seller_still_undoes_a_merge_of_its_own_customers(gql, factory, two_sellers):
    tenant, admin, _, mine, _ = two_sellers
    team = await factory.team(tenant)
    await factory.user(tenant, "seller", teams=[team])
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    duplicate = await factory.customer(tenant, name="Also mine", owner=mine, teams=[team])
    merge = await _merge(gql, admin, primary, [duplicate])

    data = await gql.data(UNDO, {"input": {"mergeId": merge}}, as_=mine)

    assert data["undoMerge"]["__typename"] == "UndoMergeSuccess"
    assert [r["name"] for r in data["undoMerge"]["restored"]] == ["Also mine"]
    assert (await _state(merge))[1] == 0


@pytest.mark.parametrize("role", ["admin", "supervisor"])
async def test_tenant_wide_roles_undo_and_see_every_restored_customer(gql, factory, two_sellers, role):
    tenant, admin, supervisor, mine, theirs = two_sellers
    caller = admin if role == "admin" else supervisor
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    hidden = await _secret_customer(factory, tenant, theirs)
    merge = await _merge(gql, admin, primary, [hidden])

    data = await gql.data(UNDO, {"input": {"mergeId": merge}}, as_=caller)

    restored = data["undoMerge"]["restored"]
    assert [(r["id"], r["name"], r["tradeName"], r["document"]) for r in restored] == [(gid(hidden), *SECRET)]


async def test_a_merge_names_only_the_duplicates_the_caller_may_read(gql, factory, two_sellers):
    tenant, admin, _, mine, theirs = two_sellers
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    hidden = await _secret_customer(factory, tenant, theirs)
    own = await factory.customer(tenant, name="Own duplicate", owner=mine)
    merge = await _merge(gql, admin, primary, [hidden, own])
    await gql.data(UNDO, {"input": {"mergeId": merge}}, as_=admin)

    as_seller = await gql.data(MERGE_NODE, {"id": merge}, as_=mine)
    as_admin = await gql.data(MERGE_NODE, {"id": merge}, as_=admin)

    assert as_seller["node"]["duplicateIds"] == [gid(own)]
    assert sorted(as_admin["node"]["duplicateIds"]) == sorted([gid(hidden), gid(own)])


async def test_merge_requires_read_and_merge_scope_over_every_customer(gql, factory, two_sellers, policy_edit):
    """Even a policy that lets sellers merge every customer does not let them merge (or learn of)
    customers they cannot read."""
    tenant, _, _, mine, theirs = two_sellers
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    hidden = await _secret_customer(factory, tenant, theirs)
    await policy_edit(
        lambda text: text.replace("p, seller, *, customer, merge, own", "p, seller, *, customer, merge, all")
    )

    body = await gql.post(MERGE, {"input": {"primaryId": gid(primary), "duplicateIds": [gid(hidden)]}}, as_=mine)

    assert body["data"]["mergeCustomers"]["__typename"] == "NotFound"
    assert not any(part in str(body) for part in SECRET)
    assert await fetchval(Sql("SELECT merged_into_id FROM customer WHERE id = %s", hidden)) is None


async def test_undo_requires_read_scope_over_every_restored_customer(gql, factory, two_sellers, policy_edit):
    tenant, admin, _, mine, theirs = two_sellers
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    hidden = await _secret_customer(factory, tenant, theirs)
    merge = await _merge(gql, admin, primary, [hidden])
    await policy_edit(
        lambda text: text.replace("p, seller, *, customer, merge, own", "p, seller, *, customer, merge, all")
    )

    body = await gql.post(UNDO, {"input": {"mergeId": merge}}, as_=mine)

    assert error_codes(body) == ["FORBIDDEN"]
    assert not any(part in str(body) for part in SECRET)
    assert await _state(merge) == (None, 1)


async def test_a_merge_the_caller_cannot_see_is_not_found(gql, factory, two_sellers):
    tenant, admin, _, mine, theirs = two_sellers
    primary = await _secret_customer(factory, tenant, theirs)
    duplicate = await factory.customer(tenant, name="Mine", owner=mine)
    merge = await _merge(gql, admin, primary, [duplicate])

    body = await gql.data(UNDO, {"input": {"mergeId": merge}}, as_=mine)

    assert body["undoMerge"]["__typename"] == "NotFound"
    assert await _state(merge) == (None, 1)


async def test_with_open_visibility_a_seller_sees_but_may_not_undo_others_customers(gql, factory):
    tenant = await factory.tenant(restricted_visibility=False, hide_contact_from_sellers=True)
    admin = await factory.user(tenant, "admin")
    mine, theirs = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    other = await factory.customer(tenant, name="Theirs", owner=theirs, email="theirs@x.test")
    merge = await _merge(gql, admin, primary, [other])

    body = await gql.post(UNDO, {"input": {"mergeId": merge}}, as_=mine)

    assert error_codes(body) == ["FORBIDDEN"]
    assert "theirs@x.test" not in str(body)
    assert await _state(merge) == (None, 1)


async def test_a_hidden_duplicate_is_refused_exactly_like_an_id_that_never_existed(gql, factory, two_sellers):
    import uuid

    tenant, _, _, mine, theirs = two_sellers
    primary = await factory.customer(tenant, name="Primary", owner=mine)
    hidden = await _secret_customer(factory, tenant, theirs)
    missing = uuid.uuid4()

    answers = []
    for other in (hidden, missing):
        body = await gql.post(
            MERGE,
            {
                "input": {
                    "primaryId": gid(primary),
                    "duplicateIds": [gid(other)],
                    "fieldChoices": [{"field": "name", "customerId": gid(other)}],
                }
            },
            as_=mine,
        )
        answers.append(str(body).replace(gid(other), "<id>").replace(str(other), "<id>"))

    assert answers[0] == answers[1]
    assert "NotFound" in answers[0]


async def test_field_choices_over_hidden_contact_values_are_refused_and_reveal_nothing(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True, allow_duplicates=True)
    seller = await factory.user(tenant, "seller")
    await factory.custom_field(tenant, "mobile", "phone")
    primary = await factory.customer(tenant, name="Primary", owner=seller, email="old@x.com.br")
    duplicate = await factory.customer(
        tenant, name="Dup", owner=seller, email="new@x.com.br", custom_fields='{"mobile": "+5511944443333"}'
    )
    query = MERGE.replace(
        "customer { id name tradeName document }", "customer { id name email customFields { key value hidden } }"
    )

    data = await gql.data(
        query,
        {
            "input": {
                "primaryId": gid(primary),
                "duplicateIds": [gid(duplicate)],
                "fieldChoices": [
                    {"field": "email", "customerId": gid(duplicate)},
                    {"field": "customFields.mobile", "customerId": gid(duplicate)},
                ],
            }
        },
        as_=seller,
    )

    # Choosing among values one cannot see is refused whatever they hold (choosing could empty a
    # required field and so tell whether the chosen customer has one); nothing is merged.
    answer = data["mergeCustomers"]
    assert answer["__typename"] == "ValidationFailed"
    assert {(f["field"], f["code"]) for f in answer["fields"]} == {
        ("fieldChoices.email", "NOT_ALLOWED"),
        ("fieldChoices.customFields.mobile", "NOT_ALLOWED"),
    }
    assert "new@x" not in str(answer) and "944443333" not in str(answer)
    assert await fetchval(Sql("SELECT email FROM customer WHERE id = %s", primary)) == "old@x.com.br"
    assert await fetchval(Sql("SELECT merged_into_id FROM customer WHERE id = %s", duplicate)) is None
