"""Billing parent: a customer billed through another of the company; children listed; no loops."""

from __future__ import annotations

import asyncio

import pytest

from authz.access import Access
from authz.principal import Principal
from models import Role
from models.db import fetch, in_transaction
from models.sql import Sql
from resolvers import customers as customer_ops
from tests.helpers import gid
from tests.lifecycle.support import UPDATE_CUSTOMER

CREATE = """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename
  ... on CreateCustomerSuccess { customer { id billingParent { id name } } }
  ... on ValidationFailed { fields { field code } } } }"""
PARENT = """query($id: ID!) { customer(id: $id) { name
  billedCustomers(first: 10) { totalCount nodes { name billingParent { name } } } } }"""


@pytest.fixture
async def company(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    head = await factory.customer(tenant, name="Matriz")
    return tenant, admin, head


async def _point(gql, user, child, parent):
    variables = {"i": {"id": gid(child), "billingParentId": gid(parent) if parent else None}}
    return (await gql.data(UPDATE_CUSTOMER, variables, as_=user))["updateCustomer"]


async def test_children_name_their_parent_and_are_listed_on_it(gql, company, factory, count_statements):
    tenant, admin, head = company
    created = await gql.data(CREATE, {"i": {"name": "Filial Norte", "billingParentId": gid(head)}}, as_=admin)
    assert created["createCustomer"]["customer"]["billingParent"] == {"id": gid(head), "name": "Matriz"}
    south = await factory.customer(tenant, name="Filial Sul")
    assert (await _point(gql, admin, south, head))["customer"]["billingParent"]["name"] == "Matriz"

    with count_statements() as counter:
        data = await gql.data(PARENT, {"id": gid(head)}, as_=admin)
    assert counter.count == 2, counter.statements
    listed = data["customer"]["billedCustomers"]
    assert listed["totalCount"] == 2
    assert sorted(n["name"] for n in listed["nodes"]) == ["Filial Norte", "Filial Sul"]
    assert {n["billingParent"]["name"] for n in listed["nodes"]} == {"Matriz"}

    cleared = await _point(gql, admin, south, None)
    assert cleared["customer"]["billingParent"] is None
    events = await fetch(
        Sql("SELECT data FROM customer_event WHERE customer_id = %s AND kind = 'updated' ORDER BY created_at", south)
    )
    assert [e["data"]["changes"]["billing_parent_id"] for e in events] == [[None, str(head)], [str(head), None]]


async def test_a_seller_sees_only_the_children_in_their_scope(gql, company, factory):
    tenant, admin, head = company
    seller = await factory.user(tenant, "seller")
    await factory.customer(tenant, name="Visible", owner=seller, billing_parent_id=head)
    await factory.customer(tenant, name="Hidden", billing_parent_id=head)
    await factory.customer(tenant, name="Merged", billing_parent_id=head, merged_into_id=head)
    mine = await factory.customer(tenant, name="Mine", owner=seller)
    await factory.customer(tenant, name="Also mine", owner=seller)

    as_admin = await gql.data(PARENT, {"id": gid(head)}, as_=admin)
    assert as_admin["customer"]["billedCustomers"]["totalCount"] == 2  # the merged-away one is gone
    # the seller cannot see the head office, nor choose it as a parent
    assert (await gql.data(PARENT, {"id": gid(head)}, as_=seller))["customer"] is None
    refused = await _point(gql, seller, mine, head)
    assert refused == {"__typename": "ValidationFailed", "fields": [{"field": "billingParentId", "code": "UNKNOWN"}]}


async def test_a_parent_from_another_company_is_unknown(gql, company, factory):
    _, admin, head = company
    other = await factory.tenant()
    foreign = await factory.customer(other, name="Elsewhere")
    answer = await _point(gql, admin, head, foreign)
    assert answer["fields"] == [{"field": "billingParentId", "code": "UNKNOWN"}]


async def test_loops_of_any_length_are_refused(gql, company, factory):
    tenant, admin, a = company
    b = await factory.customer(tenant, name="B")
    c = await factory.customer(tenant, name="C")

    itself = await _point(gql, admin, a, a)
    assert (itself["__typename"], itself["length"]) == ("BillingParentCycle", 1)

    assert (await _point(gql, admin, a, b))["__typename"] == "UpdateCustomerSuccess"  # A -> B
    two = await _point(gql, admin, b, a)  # B -> A would close A -> B -> A
    assert two == {
        "__typename": "BillingParentCycle",
        "message": two["message"],
        "billingParentId": gid(a),
        "length": 2,
    }
    assert (await _point(gql, admin, b, c))["__typename"] == "UpdateCustomerSuccess"  # A -> B -> C
    three = await _point(gql, admin, c, a)
    assert (three["__typename"], three["length"]) == ("BillingParentCycle", 3)
    assert "through 1 other customers" in three["message"]
    rows = await fetch(
        Sql("SELECT name, billing_parent_id FROM customer WHERE tenant_id = %s ORDER BY name", tenant.id)
    )
    assert [(r["name"], r["billing_parent_id"]) for r in rows] == [("B", c), ("C", None), ("Matriz", b)]


async def test_two_concurrent_changes_cannot_close_a_loop(gql, app, company, factory):
    """A -> B commits while B -> A waits on the company's lock; once it runs it sees A -> B."""
    tenant, admin, a = company
    b = await factory.customer(tenant, name="B")
    access = Access(Principal(tenant.id, tenant.slug, Role.ADMIN, admin.id), app.state.policies.current)
    written, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with in_transaction():
            await customer_ops.update_customer(access, a, {"billingParentId": b})
            written.set()
            await release.wait()

    holder = asyncio.create_task(first())
    await written.wait()
    second = asyncio.create_task(_point(gql, admin, b, a))
    await asyncio.sleep(0.5)
    assert not second.done()  # waiting for the first change to commit
    release.set()
    await holder
    answer = await second

    assert answer["__typename"] == "BillingParentCycle"
    rows = await fetch(Sql("SELECT id, billing_parent_id FROM customer WHERE tenant_id = %s", tenant.id))
    assert {r["id"]: r["billing_parent_id"] for r in rows} == {a: b, b: None}


async def test_racing_both_ways_leaves_exactly_one_parent(gql, company, factory):
    tenant, admin, a = company
    b = await factory.customer(tenant, name="B")
    answers = await asyncio.gather(_point(gql, admin, a, b), _point(gql, admin, b, a))
    assert sorted(x["__typename"] for x in answers) == ["BillingParentCycle", "UpdateCustomerSuccess"]
    rows = await fetch(Sql("SELECT billing_parent_id FROM customer WHERE tenant_id = %s", tenant.id))
    assert sum(r["billing_parent_id"] is not None for r in rows) == 1


async def test_a_loop_through_customers_the_caller_cannot_see_does_not_count_them(gql, company, factory):
    tenant, admin, _ = company
    seller = await factory.user(tenant, "seller")
    a = await factory.customer(tenant, name="A", owner=seller)
    hidden = await factory.customer(tenant, name="Hidden")
    c = await factory.customer(tenant, name="C", owner=seller)
    assert (await _point(gql, admin, a, hidden))["__typename"] == "UpdateCustomerSuccess"
    assert (await _point(gql, admin, hidden, c))["__typename"] == "UpdateCustomerSuccess"  # A -> Hidden -> C

    refused = await _point(gql, seller, c, a)
    assert (refused["__typename"], refused["length"]) == ("BillingParentCycle", None)
    assert "other customers" not in refused["message"]
    # The admin sees the whole loop.
    assert (await _point(gql, admin, c, a))["length"] == 3


MERGE = """mutation($p: ID!, $d: [ID!]!) { mergeCustomers(input: {primaryId: $p, duplicateIds: $d}) { __typename
  ... on MergeCustomersSuccess { customer { billingParent { name } } }
  ... on BillingParentCycle { billingParentId length } } }"""


async def test_a_merge_takes_no_billing_parent_that_closes_a_loop(gql, company, factory):
    tenant, admin, head = company
    branch = await factory.customer(tenant, name="Branch", billing_parent_id=head)  # Branch -> Matriz
    copy = await factory.customer(tenant, name="Matriz copy", billing_parent_id=branch)  # copy -> Branch
    # Merging the copy into the head office would bill it to its own branch: Matriz -> Branch -> Matriz.
    refused = await gql.data(MERGE, {"p": gid(head), "d": [gid(copy)]}, as_=admin)
    assert refused["mergeCustomers"] == {
        "__typename": "BillingParentCycle",
        "billingParentId": gid(branch),
        "length": 2,
    }
    rows = await fetch(
        Sql("SELECT id, merged_into_id, billing_parent_id FROM customer WHERE id = ANY(%s::uuid[])", [head, copy])
    )
    assert {r["id"]: (r["merged_into_id"], r["billing_parent_id"]) for r in rows} == {
        head: (None, None),
        copy: (None, branch),
    }

    # A duplicate billed to the primary: once merged the primary would be billed to itself; it is not.
    twin = await factory.customer(tenant, name="Matriz twin", billing_parent_id=head)
    merged = await gql.data(MERGE, {"p": gid(head), "d": [gid(twin)]}, as_=admin)
    assert merged["mergeCustomers"] == {"__typename": "MergeCustomersSuccess", "customer": {"billingParent": None}}


UNDO = """mutation($m: ID!) { undoMerge(input: {mergeId: $m}) { __typename
  ... on MergeUndoBlocked { reason changedFields message } } }"""
MERGED = """mutation($p: ID!, $d: [ID!]!) { mergeCustomers(input: {primaryId: $p, duplicateIds: $d}) { __typename
  ... on MergeCustomersSuccess { merge { id } } } }"""
BILLED_TO = "query($id: ID!) { customer(id: $id) { billingParent { name } } }"


async def _parent_of(gql, user, customer):
    data = await gql.data(BILLED_TO, {"id": gid(customer)}, as_=user)
    return (data["customer"]["billingParent"] or {}).get("name")


async def _billing_changes(customer):
    rows = await fetch(
        Sql("SELECT data FROM customer_event WHERE customer_id = %s AND kind = 'updated' ORDER BY created_at", customer)
    )
    return [r["data"]["changes"]["billing_parent_id"] for r in rows if "billing_parent_id" in r["data"]["changes"]]


async def test_customers_billed_to_a_merged_away_duplicate_follow_it_and_come_back_on_undo(gql, company, factory):
    tenant, admin, head = company
    copy = await factory.customer(tenant, name="Matriz (cópia)")
    branch = await factory.customer(tenant, name="Filial", billing_parent_id=copy)

    merged = await gql.data(MERGED, {"p": gid(head), "d": [gid(copy)]}, as_=admin)

    assert await _parent_of(gql, admin, branch) == "Matriz"
    listed = (await gql.data(PARENT, {"id": gid(head)}, as_=admin))["customer"]["billedCustomers"]
    assert [n["name"] for n in listed["nodes"]] == ["Filial"]
    assert await _billing_changes(branch) == [[str(copy), str(head)]]

    undone = await gql.data(UNDO, {"m": merged["mergeCustomers"]["merge"]["id"]}, as_=admin)

    assert undone["undoMerge"]["__typename"] == "UndoMergeSuccess"
    assert await _parent_of(gql, admin, branch) == "Matriz (cópia)"
    assert await _billing_changes(branch) == [[str(copy), str(head)], [str(head), str(copy)]]


async def test_an_undo_that_would_bill_in_a_loop_is_refused_and_changes_nothing(gql, company, factory):
    tenant, admin, head = company
    group = await factory.customer(tenant, name="Grupo")
    other = await factory.customer(tenant, name="Outra")
    await _point(gql, admin, head, group)  # the head office keeps its own parent through the merge
    copy = await factory.customer(tenant, name="Matriz (cópia)", billing_parent_id=other)
    branch = await factory.customer(tenant, name="Filial", billing_parent_id=copy)
    merged = await gql.data(MERGED, {"p": gid(head), "d": [gid(copy)]}, as_=admin)
    # Since the merge: Outra -> Filial -> Matriz -> Grupo, no loop. Undoing would bill Filial to the
    # copy again, and the copy is billed to Outra: Filial -> copy -> Outra -> Filial.
    assert (await _point(gql, admin, other, branch))["__typename"] == "UpdateCustomerSuccess"

    refused = await gql.data(UNDO, {"m": merged["mergeCustomers"]["merge"]["id"]}, as_=admin)

    assert refused["undoMerge"]["reason"] == "FIELDS_CHANGED"
    assert refused["undoMerge"]["changedFields"] == ["billingParentId"]
    assert await _parent_of(gql, admin, branch) == "Matriz"
    rows = await fetch(Sql("SELECT merged_into_id FROM customer WHERE id = %s", copy))
    assert rows[0]["merged_into_id"] == head


HISTORY = """query($id: ID!) { customer(id: $id) { timeline(first: 20, kinds: [HISTORY]) { nodes {
  ... on HistoryEntry { id kind changes { field before after } } } } } }"""
ENTRY = "query($id: ID!) { node(id: $id) { ... on HistoryEntry { changes { field before after } } } }"


async def test_history_names_a_billing_parent_only_to_those_who_may_read_it(gql, company, factory):
    tenant, admin, head = company
    seller = await factory.user(tenant, "seller")
    branch = await factory.customer(tenant, name="Filial", owner=seller)
    await _point(gql, admin, branch, head)  # Matriz belongs to no seller: the seller cannot read it

    async def billing_change(user):
        nodes = (await gql.data(HISTORY, {"id": gid(branch)}, as_=user))["customer"]["timeline"]["nodes"]
        (entry,) = [n for n in nodes if n["kind"] == "UPDATED"]
        by_id = (await gql.data(ENTRY, {"id": entry["id"]}, as_=user))["node"]["changes"]
        listed = [(c["before"], c["after"]) for c in entry["changes"] if c["field"] == "billingParent"]
        assert listed == [(c["before"], c["after"]) for c in by_id if c["field"] == "billingParent"]  # both paths
        return listed

    assert await billing_change(admin) == [(None, {"id": gid(head), "name": "Matriz"})]
    # Not the id, the name, nor that there is one: the change is left out for the seller.
    assert await billing_change(seller) == []
