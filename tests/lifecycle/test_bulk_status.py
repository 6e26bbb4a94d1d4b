"""setCustomersStatus: up to 1,000 customers, an answer per customer, a fixed number of statements."""

from __future__ import annotations

import uuid

import pytest

from models.db import fetch
from models.sql import Sql
from tests.helpers import error_codes, gid
from tests.lifecycle.support import SET_MANY, add_open_conversation, audit_entries, status_of


@pytest.fixture
async def company(factory):
    tenant = await factory.tenant()
    supervisor = await factory.user(tenant, "supervisor")
    return tenant, supervisor


async def _bulk(gql, user, ids, status):
    return (await gql.data(SET_MANY, {"i": {"ids": ids, "status": status}}, as_=user))["setCustomersStatus"]


async def test_bulk_inactivation_answers_per_customer(gql, company, factory):
    tenant, supervisor = company
    busy = await factory.customer(tenant, name="Busy")
    calm = await factory.customer(tenant, name="Calm")
    quiet = await factory.customer(tenant, name="Quiet")
    gone = await factory.customer(tenant, name="Gone", status="inactive")
    conversation = await add_open_conversation(tenant, busy)
    unknown = uuid.uuid4()
    foreign = await factory.customer(await factory.tenant(), name="Elsewhere")
    ids = [gid(busy), gid(calm), gid(gone), gid(unknown), gid(quiet), gid(calm), gid(foreign)]

    answer = await _bulk(gql, supervisor, ids, "INACTIVE")

    assert (answer["changed"], answer["unchanged"], answer["blocked"], answer["notFound"]) == (2, 1, 1, 2)
    assert [(r["customerId"], r["outcome"]) for r in answer["results"]] == [
        (gid(busy), "BLOCKED"),
        (gid(calm), "CHANGED"),
        (gid(gone), "UNCHANGED"),
        (gid(unknown), "NOT_FOUND"),
        (gid(quiet), "CHANGED"),
        (gid(foreign), "NOT_FOUND"),
    ]
    assert answer["results"][0]["blockers"] == [
        {"kind": "OPEN_CONVERSATIONS", "count": 1, "ids": [gid(conversation, "Conversation")]}
    ]
    assert [await status_of(pk) for pk in (busy, calm, quiet)] == ["active", "inactive", "inactive"]
    assert await status_of(foreign) == "active"
    entries = await audit_entries(tenant, "customer.status_change")
    assert sorted(e["object_id"] for e in entries) == sorted([calm, quiet])
    assert all(e["after"] == {"status": "INACTIVE"} and e["details"] == {"bulk": True} for e in entries)
    events = await fetch(Sql("SELECT customer_id, data FROM customer_event WHERE tenant_id = %s", tenant.id))
    assert sorted(e["customer_id"] for e in events) == sorted([calm, quiet])
    assert all(e["data"]["changes"]["status"] == ["active", "inactive"] for e in events)


async def test_bulk_reactivation(gql, company, factory):
    tenant, supervisor = company
    ids = [await factory.customer(tenant, status="inactive") for _ in range(3)]
    answer = await _bulk(gql, supervisor, [gid(pk) for pk in ids], "ACTIVE")
    assert answer["changed"] == 3
    assert {await status_of(pk) for pk in ids} == {"active"}


async def test_the_statement_count_does_not_grow_with_the_number_of_customers(gql, company, factory, count_statements):
    tenant, supervisor = company
    few = [await factory.customer(tenant) for _ in range(3)]
    many = [await factory.customer(tenant) for _ in range(40)]
    for pk in few[:1] + many[:10]:
        await add_open_conversation(tenant, pk)

    with count_statements() as small:
        assert (await _bulk(gql, supervisor, [gid(pk) for pk in few], "INACTIVE"))["changed"] == 2
    with count_statements() as large:
        assert (await _bulk(gql, supervisor, [gid(pk) for pk in many], "INACTIVE"))["changed"] == 30
    assert small.count == large.count, (small.statements, large.statements)
    # authenticate, lock, blockers, update, history, audit, webhook outbox
    assert large.count == 7, large.statements


async def test_at_most_a_thousand_and_at_least_one(gql, company):
    _, supervisor = company
    too_many = [gid(uuid.uuid4()) for _ in range(1001)]
    answer = await _bulk(gql, supervisor, too_many, "INACTIVE")
    assert answer == {"__typename": "ValidationFailed", "fields": [{"field": "ids", "code": "TOO_MANY"}]}
    none = await _bulk(gql, supervisor, [], "INACTIVE")
    assert none["fields"] == [{"field": "ids", "code": "REQUIRED"}]
    bad = await _bulk(gql, supervisor, ["not-an-id"], "INACTIVE")
    assert bad["fields"] == [{"field": "ids[0]", "code": "INVALID"}]


async def test_a_seller_may_not_use_the_bulk_form(gql, company, factory):
    tenant, _ = company
    seller = await factory.user(tenant, "seller")
    mine = await factory.customer(tenant, owner=seller)
    refused = await gql.post(SET_MANY, {"i": {"ids": [gid(mine)], "status": "INACTIVE"}}, as_=seller)
    assert error_codes(refused) == ["FORBIDDEN"]
    assert await status_of(mine) == "active"
