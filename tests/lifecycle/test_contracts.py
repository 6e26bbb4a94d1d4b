"""Contracts on a customer: create, change, end; on the profile, in the timeline, in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.helpers import gid
from tests.lifecycle.support import CREATE_CONTRACT, END_CONTRACT, UPDATE_CONTRACT, audit_entries


@pytest.fixture
async def company(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant, name="Padaria Central")
    return tenant, admin, customer


async def _create(gql, user, customer, **fields):
    values = {"customerId": gid(customer), "title": "Suporte mensal", "startsOn": "2026-01-01", **fields}
    return (await gql.data(CREATE_CONTRACT, {"i": values}, as_=user))["createContract"]


async def test_create_update_and_end_a_contract(gql, company):
    tenant, admin, customer = company

    created = await _create(gql, admin, customer, value="1500.50", notes=" Renova em janeiro ", endsOn="2026-12-31")
    contract = created["contract"]
    assert contract == {
        "id": contract["id"],
        "title": "Suporte mensal",
        "status": "ACTIVE",
        "startsOn": "2026-01-01",
        "endsOn": "2026-12-31",
        "value": "1500.50",
        "notes": "Renova em janeiro",
        "version": 1,
        "customer": {"id": gid(customer)},
    }

    changed = (
        await gql.data(
            UPDATE_CONTRACT,
            {"i": {"id": contract["id"], "expectedVersion": 1, "status": "PENDING_ADJUSTMENT", "value": "1700"}},
            as_=admin,
        )
    )["updateContract"]["contract"]
    assert (changed["status"], changed["value"], changed["version"]) == ("PENDING_ADJUSTMENT", "1700.00", 2)

    stale = await gql.data(
        UPDATE_CONTRACT, {"i": {"id": contract["id"], "expectedVersion": 1, "title": "X"}}, as_=admin
    )
    assert stale["updateContract"] == {"__typename": "VersionConflict", "expectedVersion": 1, "currentVersion": 2}

    ended = (await gql.data(END_CONTRACT, {"i": {"id": contract["id"], "endsOn": "2026-06-30"}}, as_=admin))[
        "endContract"
    ]["contract"]
    assert (ended["status"], ended["endsOn"], ended["version"]) == ("ENDED", "2026-06-30", 3)
    assert ended["endedAt"] is not None
    again = (await gql.data(END_CONTRACT, {"i": {"id": contract["id"]}}, as_=admin))["endContract"]
    assert again == {"__typename": "ValidationFailed", "fields": [{"field": "id", "code": "INVALID"}]}

    entries = {a: await audit_entries(tenant, a) for a in ("contract.create", "contract.update", "contract.end")}
    [create], [update], [end] = entries.values()
    assert create["before"] is None and create["after"]["status"] == "ACTIVE" and create["after"]["value"] == "1500.50"
    assert (update["before"]["status"], update["after"]["status"]) == ("ACTIVE", "PENDING_ADJUSTMENT")
    assert (end["before"]["status"], end["after"]["status"], end["after"]["endsOn"]) == (
        "PENDING_ADJUSTMENT",
        "ENDED",
        "2026-06-30",
    )
    assert all(e["object_type"] == "Contract" and e["actor_id"] == admin.id for e in (create, update, end))


async def test_ending_without_a_date_ends_today(gql, company):
    _, admin, customer = company
    contract = (await _create(gql, admin, customer))["contract"]
    ended = (await gql.data(END_CONTRACT, {"i": {"id": contract["id"]}}, as_=admin))["endContract"]["contract"]
    assert ended["endsOn"] == datetime.now(UTC).date().isoformat()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": "  "}, [("title", "REQUIRED")]),
        ({"endsOn": "2025-12-31"}, [("endsOn", "INVALID")]),
        ({"value": "-1"}, [("value", "INVALID")]),
        ({"value": "1.001"}, [("value", "INVALID")]),
        ({"status": "ENDED"}, [("status", "NOT_ALLOWED")]),
        ({"title": "x" * 201, "value": "-5"}, [("title", "TOO_LONG"), ("value", "INVALID")]),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(gql, company, fields, expected):
    tenant, admin, customer = company
    answer = await _create(gql, admin, customer, **fields)
    assert answer["__typename"] == "ValidationFailed"
    assert [(f["field"], f["code"]) for f in answer["fields"]] == expected
    assert await audit_entries(tenant, "contract.create") == []


async def test_contracts_of_customers_out_of_reach_are_not_found(gql, company, factory):
    tenant, admin, customer = company
    seller = await factory.user(tenant, "seller")
    mine = await factory.customer(tenant, owner=seller)
    contract = (await _create(gql, admin, customer))["contract"]

    assert (await _create(gql, seller, customer))["__typename"] == "NotFound"
    assert (await _create(gql, seller, mine))["__typename"] == "ContractSuccess"
    hidden = await gql.data(UPDATE_CONTRACT, {"i": {"id": contract["id"], "title": "Mine now"}}, as_=seller)
    assert hidden["updateContract"]["__typename"] == "NotFound"
    node = await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": contract["id"]}, as_=seller)
    assert node["node"] is None

    other = await factory.tenant()
    stranger = await factory.user(other, "admin")
    assert (await gql.data(END_CONTRACT, {"i": {"id": contract["id"]}}, as_=stranger))["endContract"][
        "__typename"
    ] == "NotFound"


PROFILE = """query($id: ID!) { customer(id: $id) { name
  contracts(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { title status createdBy { email } } }
  timeline(first: 10, kinds: [CONTRACT]) { nodes { __typename ... on Contract { title status } } } } }"""

PAGE = """query { customers(first: 50) { nodes { name
  contracts(first: 5) { totalCount nodes { title value startsOn status } } } } }"""


async def test_contracts_on_the_profile_and_the_timeline_in_one_statement(gql, company, count_statements):
    _, admin, customer = company
    for title in ("A", "B", "C"):
        await _create(gql, admin, customer, title=title)

    with count_statements() as counter:
        data = await gql.data(PROFILE, {"id": gid(customer)}, as_=admin)
    assert counter.count == 2, counter.statements  # authenticate + the compiled read

    profile = data["customer"]
    assert profile["contracts"]["totalCount"] == 3 and profile["contracts"]["pageInfo"]["hasNextPage"] is True
    assert [n["title"] for n in profile["contracts"]["nodes"]] == ["C", "B"]
    assert profile["contracts"]["nodes"][0]["createdBy"] == {"email": admin.email}
    assert profile["timeline"]["nodes"] == [
        {"__typename": "Contract", "title": t, "status": "ACTIVE"} for t in ("C", "B", "A")
    ]
    more = await gql.data(
        "query($id: ID!, $after: String) { customer(id: $id) { contracts(first: 2, after: $after) { nodes { title } } } }",
        {"id": gid(customer), "after": profile["contracts"]["pageInfo"]["endCursor"]},
        as_=admin,
    )
    assert more["customer"]["contracts"]["nodes"] == [{"title": "A"}]


async def test_a_page_of_customers_with_their_contracts_costs_one_statement(gql, factory, count_statements):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customers = [await factory.customer(tenant, name=f"C{i:02d}") for i in range(12)]
    for pk in customers[:6]:
        await _create(gql, admin, pk, value="10.00")

    with count_statements() as counter:
        data = await gql.data(PAGE, as_=admin)
    assert counter.count == 2, counter.statements
    counts = sorted(n["contracts"]["totalCount"] for n in data["customers"]["nodes"])
    assert counts == [0] * 6 + [1] * 6
    assert {n["contracts"]["nodes"][0]["value"] for n in data["customers"]["nodes"] if n["contracts"]["nodes"]} == {
        "10.00"
    }


async def test_the_general_path_agrees(gql, company, monkeypatch):
    from schema.compile import execution

    _, admin, customer = company
    await _create(gql, admin, customer, title="A")
    compiled = await gql.data(PROFILE, {"id": gid(customer)}, as_=admin)
    monkeypatch.setattr(execution, "ENABLED", False)
    general = await gql.data(PROFILE, {"id": gid(customer)}, as_=admin)
    assert compiled == general


async def test_a_merge_moves_the_duplicates_contracts_to_the_primary(gql, company, factory):
    tenant, admin, primary = company
    duplicate = await factory.customer(tenant, name="Padaria Central (dup)")
    await _create(gql, admin, duplicate, title="From the duplicate")

    merged = await gql.data(
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename "
        "... on MergeCustomersSuccess { merge { movedRecords { kind count } } } } }",
        {"i": {"primaryId": gid(primary), "duplicateIds": [gid(duplicate)]}},
        as_=admin,
    )
    assert merged["mergeCustomers"]["__typename"] == "MergeCustomersSuccess"
    profile = await gql.data(PROFILE, {"id": gid(primary)}, as_=admin)
    assert [n["title"] for n in profile["customer"]["contracts"]["nodes"]] == ["From the duplicate"]
