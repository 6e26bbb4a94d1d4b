"""Merging customers, and undoing a merge."""

from __future__ import annotations

import json

import pytest

from models.db import execute, fetch, fetchval
from models.sql import Sql
from resolvers.merge import NOT_MOVED, RELATED
from tests.helpers import count_customers, gid, tenant_fingerprint
from tests.queries import ADD_TAGS, CREATE, UPDATE

MERGE = """
mutation($input: MergeCustomersInput!) {
  mergeCustomers(input: $input) {
    __typename
    ... on MergeCustomersSuccess {
      customer { id name tradeName email phone whatsapp version tags { name } }
      merge { id duplicateIds undoableUntil movedRecords { kind count } performedBy { email } }
    }
    ... on ValidationFailed { fields { field code } }
    ... on NotFound { message }
  }
}
"""
UNDO = """
mutation($input: UndoMergeInput!) {
  undoMerge(input: $input) {
    __typename
    ... on UndoMergeSuccess { customer { id name tradeName email version tags { name } } restored { id name tags { name } } }
    ... on MergeUndoBlocked { reason changedFields message }
    ... on NotFound { message }
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Customer { name } } }"


async def create(gql, user, **fields):
    data = await gql.data(CREATE, {"input": fields}, as_=user)
    return data["createCustomer"]["customer"]


async def set_custom(pk, values):
    await execute(Sql("UPDATE customer SET custom_fields = %s::jsonb WHERE id = %s", json.dumps(values), pk))


async def events(customer_gid_or_pk):
    from schema.node import parse_id

    pk = parse_id(customer_gid_or_pk, "Customer") if isinstance(customer_gid_or_pk, str) else customer_gid_or_pk
    rows = await fetch(Sql("SELECT kind, data FROM customer_event WHERE customer_id = %s ORDER BY created_at, id", pk))
    return [r["kind"] for r in rows]


@pytest.fixture
async def three(gql, factory):
    """Three records of one person, spread over fields, tags, teams and custom values."""
    from schema.node import parse_id

    tenant = await factory.tenant(allow_duplicates=True)
    admin = await factory.user(tenant, "admin")
    team_a, team_b = await factory.team(tenant), await factory.team(tenant)
    primary = await create(gql, admin, name="Ana Silva", phone="(11) 98888-1111", tags=["VIP"])
    dup1 = await create(gql, admin, name="Ana S.", email="ana@x.com", tradeName="Ana ME", tags=["VIP", "Lead"])
    dup2 = await create(
        gql, admin, name="A. Silva", email="ana.silva@work.com", whatsapp="(11) 97777-2222", tags=["Wholesale"]
    )
    pks = [parse_id(c["id"], "Customer") for c in (primary, dup1, dup2)]
    for key, kind in (("segment", "text"), ("size", "number"), ("birthday", "date")):
        await factory.custom_field(tenant, key, kind)
    await set_custom(pks[0], {"segment": "retail"})
    await set_custom(pks[1], {"segment": "b2b", "size": 10})
    await set_custom(pks[2], {"birthday": "1990-01-01"})
    for pk, team in ((pks[0], team_a), (pks[1], team_a), (pks[2], team_b)):
        await execute(
            Sql("INSERT INTO customer_team (tenant_id, customer_id, team_id) VALUES (%s, %s, %s)", tenant.id, pk, team)
        )
    return tenant, admin, primary, dup1, dup2, pks


async def test_merge_three_customers(gql, three):
    _tenant, admin, primary, dup1, dup2, pks = three

    data = await gql.data(
        MERGE,
        {
            "input": {
                "primaryId": primary["id"],
                "duplicateIds": [dup1["id"], dup2["id"]],
                "fieldChoices": [{"field": "email", "customerId": dup2["id"]}],
            }
        },
        as_=admin,
    )

    result = data["mergeCustomers"]
    assert result["__typename"] == "MergeCustomersSuccess"
    customer = result["customer"]
    assert customer["id"] == primary["id"]  # the primary keeps its id
    assert customer["name"] == "Ana Silva"  # not blank: kept
    assert customer["tradeName"] == "Ana ME"  # blank: filled from the first duplicate that has it
    assert customer["email"] == "ana.silva@work.com"  # chosen explicitly from the second duplicate
    assert customer["whatsapp"] == "(11) 97777-2222"
    assert sorted(t["name"] for t in customer["tags"]) == ["Lead", "VIP", "Wholesale"]
    custom = await fetchval(Sql("SELECT custom_fields FROM customer WHERE id = %s", pks[0]))
    assert custom == {"segment": "retail", "size": 10, "birthday": "1990-01-01"}
    teams = await fetchval(Sql("SELECT count(*) FROM customer_team WHERE customer_id = %s", pks[0]))
    assert teams == 2
    moved = {m["kind"]: m["count"] for m in result["merge"]["movedRecords"]}
    assert moved["customer_tag"] == 2 and moved["customer_team"] == 1 and moved["customer_event"] >= 2
    assert result["merge"]["performedBy"]["email"] == admin.email
    # the duplicates are tombstones: out of every list, their ids resolve to the primary
    listing = await gql.data("{ customers { totalCount nodes { id } } }", as_=admin)
    assert [n["id"] for n in listing["customers"]["nodes"]] == [primary["id"]]
    assert listing["customers"]["totalCount"] == 1
    assert (await gql.data(NODE, {"id": dup1["id"]}, as_=admin))["node"]["id"] == primary["id"]
    assert (await gql.data("query($id: ID!) { customer(id: $id) { id } }", {"id": dup2["id"]}, as_=admin))["customer"][
        "id"
    ] == primary["id"]
    # history, on both sides
    assert "merged" in await events(pks[0])
    assert (await events(pks[1]))[-1] == "merged_into"


async def test_a_merged_away_phone_still_finds_the_primary(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    primary = await create(gql, admin, name="P", email="p@x.com")
    dup = await create(gql, admin, name="D", phone="(11) 96666-5555")
    await gql.data(MERGE, {"input": {"primaryId": primary["id"], "duplicateIds": [dup["id"]]}}, as_=admin)

    again = await gql.data(CREATE, {"input": {"name": "New", "phone": "11966665555"}}, as_=admin)

    assert again["createCustomer"]["__typename"] == "DuplicateCustomer"


async def test_a_failure_in_the_middle_leaves_everything_as_it_was(gql, three, monkeypatch):
    from resolvers import contact_keys

    tenant, admin, primary, dup1, dup2, _ = three
    before = await tenant_fingerprint(tenant.id)
    links = await fetchval(
        Sql("SELECT array_agg(customer_id ORDER BY id) FROM customer_tag WHERE tenant_id = %s", tenant.id)
    )

    async def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(contact_keys, "claim", explode)
    body = await gql.post(
        MERGE, {"input": {"primaryId": primary["id"], "duplicateIds": [dup1["id"], dup2["id"]]}}, as_=admin
    )

    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await tenant_fingerprint(tenant.id) == before
    assert (
        await fetchval(
            Sql("SELECT array_agg(customer_id ORDER BY id) FROM customer_tag WHERE tenant_id = %s", tenant.id)
        )
        == links
    )
    assert (
        await fetchval(
            Sql("SELECT count(*) FROM customer WHERE tenant_id = %s AND merged_into_id IS NOT NULL", tenant.id)
        )
        == 0
    )
    assert await fetchval(Sql("SELECT count(*) FROM customer_merge WHERE tenant_id = %s", tenant.id)) == 0


async def test_undo_restores_the_duplicates_with_their_own_records(gql, three):
    tenant, admin, primary, dup1, dup2, pks = three
    tags_before = await fetch(
        Sql("SELECT customer_id, tag_id FROM customer_tag WHERE tenant_id = %s ORDER BY customer_id, tag_id", tenant.id)
    )
    teams_before = await fetch(
        Sql(
            "SELECT customer_id, team_id FROM customer_team WHERE tenant_id = %s ORDER BY customer_id, team_id",
            tenant.id,
        )
    )
    merged = await gql.data(
        MERGE, {"input": {"primaryId": primary["id"], "duplicateIds": [dup1["id"], dup2["id"]]}}, as_=admin
    )
    merge_id = merged["mergeCustomers"]["merge"]["id"]
    # a note-like change after the merge that does not conflict: a new tag on the primary
    await gql.data(ADD_TAGS, {"input": {"customerId": primary["id"], "tags": ["After"]}}, as_=admin)

    data = await gql.data(UNDO, {"input": {"mergeId": merge_id}}, as_=admin)

    result = data["undoMerge"]
    assert result["__typename"] == "UndoMergeSuccess"
    assert result["customer"]["tradeName"] is None and result["customer"]["email"] is None
    assert sorted(t["name"] for t in result["customer"]["tags"]) == ["After", "VIP"]
    restored = {r["name"]: sorted(t["name"] for t in r["tags"]) for r in result["restored"]}
    assert restored == {"Ana S.": ["Lead", "VIP"], "A. Silva": ["Wholesale"]}
    tags_after = await fetch(
        Sql(
            "SELECT customer_id, tag_id FROM customer_tag WHERE tenant_id = %s AND tag_id IN "
            "(SELECT id FROM tag WHERE name <> 'After') ORDER BY customer_id, tag_id",
            tenant.id,
        )
    )
    assert tags_after == tags_before
    assert (
        await fetch(
            Sql(
                "SELECT customer_id, team_id FROM customer_team WHERE tenant_id = %s ORDER BY customer_id, team_id",
                tenant.id,
            )
        )
        == teams_before
    )
    assert await fetchval(Sql("SELECT custom_fields FROM customer WHERE id = %s", pks[0])) == {"segment": "retail"}
    assert await count_customers(tenant.id) == 3
    listing = await gql.data("{ customers { totalCount } }", as_=admin)
    assert listing["customers"]["totalCount"] == 3
    # each keeps its own history back, plus the merge and its undo
    assert (await events(pks[1]))[:1] == ["created"]
    assert (await events(pks[1]))[-2:] == ["merged_into", "merge_undone"]
    assert (await events(pks[0]))[-1] == "merge_undone"
    # the keys are back where they were: the duplicate's email is its own again
    again = await gql.data(CREATE, {"input": {"name": "X", "email": "ana@x.com"}}, as_=admin)
    assert again["createCustomer"]["__typename"] == "CreateCustomerSuccess"  # tenant allows duplicates
    dup_keys = await fetchval(Sql("SELECT count(*) FROM customer_contact_key WHERE customer_id = %s", pks[1]))
    assert dup_keys == 1


async def test_undo_is_refused_after_a_conflicting_change_and_changes_nothing(gql, three):
    tenant, admin, primary, dup1, dup2, _ = three
    merged = await gql.data(
        MERGE, {"input": {"primaryId": primary["id"], "duplicateIds": [dup1["id"], dup2["id"]]}}, as_=admin
    )
    await gql.data(UPDATE, {"input": {"id": primary["id"], "tradeName": "Edited after the merge"}}, as_=admin)
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(UNDO, {"input": {"mergeId": merged["mergeCustomers"]["merge"]["id"]}}, as_=admin)

    assert data["undoMerge"]["__typename"] == "MergeUndoBlocked"
    assert data["undoMerge"]["reason"] == "FIELDS_CHANGED"
    assert data["undoMerge"]["changedFields"] == ["tradeName"]
    assert await tenant_fingerprint(tenant.id) == before


async def test_undo_twice_and_after_thirty_days_is_refused(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    ids = [(await create(gql, admin, name=f"C{i}"))["id"] for i in range(4)]
    first = await gql.data(MERGE, {"input": {"primaryId": ids[0], "duplicateIds": [ids[1]]}}, as_=admin)
    second = await gql.data(MERGE, {"input": {"primaryId": ids[2], "duplicateIds": [ids[3]]}}, as_=admin)
    first_id = first["mergeCustomers"]["merge"]["id"]
    second_id = second["mergeCustomers"]["merge"]["id"]
    await gql.data(UNDO, {"input": {"mergeId": first_id}}, as_=admin)
    await execute(
        Sql(
            "UPDATE customer_merge SET created_at = now() - interval '31 days' WHERE tenant_id = %s "
            "AND undone_at IS NULL",
            tenant.id,
        )
    )

    twice = await gql.data(UNDO, {"input": {"mergeId": first_id}}, as_=admin)
    late = await gql.data(UNDO, {"input": {"mergeId": second_id}}, as_=admin)

    assert twice["undoMerge"]["reason"] == "ALREADY_UNDONE"
    assert late["undoMerge"]["reason"] == "EXPIRED"


async def test_undo_is_refused_when_the_primary_was_merged_again(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    a, b, c = [(await create(gql, admin, name=n))["id"] for n in "ABC"]
    first = await gql.data(MERGE, {"input": {"primaryId": a, "duplicateIds": [b]}}, as_=admin)
    await gql.data(MERGE, {"input": {"primaryId": c, "duplicateIds": [a]}}, as_=admin)

    data = await gql.data(UNDO, {"input": {"mergeId": first["mergeCustomers"]["merge"]["id"]}}, as_=admin)

    assert data["undoMerge"]["reason"] == "PRIMARY_MERGED_AWAY"
    # the chain is flattened: B now resolves straight to C
    assert (await gql.data(NODE, {"id": b}, as_=admin))["node"]["id"] == c


async def test_a_seller_merges_only_within_their_portfolio(gql, factory):
    tenant = await factory.tenant()
    seller, other = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    mine1, mine2 = (await create(gql, seller, name="M1"))["id"], (await create(gql, seller, name="M2"))["id"]
    theirs = (await create(gql, other, name="T"))["id"]
    before = await tenant_fingerprint(tenant.id)

    refused = await gql.data(MERGE, {"input": {"primaryId": mine1, "duplicateIds": [theirs]}}, as_=seller)
    assert refused["mergeCustomers"]["__typename"] == "NotFound"
    assert await tenant_fingerprint(tenant.id) == before

    ok = await gql.data(MERGE, {"input": {"primaryId": mine1, "duplicateIds": [mine2]}}, as_=seller)
    assert ok["mergeCustomers"]["__typename"] == "MergeCustomersSuccess"


@pytest.mark.parametrize(
    ("make_input", "field"),
    [
        (lambda a, b: {"primaryId": a, "duplicateIds": []}, "duplicateIds"),
        (lambda a, b: {"primaryId": a, "duplicateIds": [a]}, "duplicateIds"),
        (lambda a, b: {"primaryId": a, "duplicateIds": [b, b]}, "duplicateIds"),
        (
            lambda a, b: {"primaryId": a, "duplicateIds": [b], "fieldChoices": [{"field": "colour", "customerId": b}]},
            "fieldChoices.colour",
        ),
        (
            lambda a, b: {
                "primaryId": a,
                "duplicateIds": [b],
                "fieldChoices": [{"field": "email", "customerId": gid(__import__("uuid").uuid4())}],
            },
            "fieldChoices.email",
        ),
    ],
)
async def test_invalid_merge_input_is_refused(gql, factory, make_input, field):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    a, b = (await create(gql, admin, name="A"))["id"], (await create(gql, admin, name="B"))["id"]

    data = await gql.data(MERGE, {"input": make_input(a, b)}, as_=admin)

    assert data["mergeCustomers"]["__typename"] == "ValidationFailed"
    assert data["mergeCustomers"]["fields"][0]["field"] == field


async def test_every_table_holding_customer_rows_is_moved_by_merges(database_url):
    rows = await fetch(
        Sql(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'customer_id' "
            "AND table_schema = 'public'"
        )
    )
    tables = {r["table_name"] for r in rows}

    assert tables - {r.table for r in RELATED} - NOT_MOVED == set(), "add the table to RELATED in resolvers/merge.py"
