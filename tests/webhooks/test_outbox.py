"""The outbox is written in the change's transaction: a rolled-back change sends nothing; a
committed one is delivered even when no worker ran (or one died) at the time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.db import fetch, fetchval, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import clock, outbox
from resolvers.outbox import DELIVER_JOB
from resolvers.webhooks import delivery
from tests.helpers import gid
from tests.webhooks.support import create_customer, create_webhook, deliver


async def events_of(tenant_id) -> int:
    return await fetchval(Sql("SELECT count(*) FROM webhook_event WHERE tenant_id = %s", tenant_id))


async def queued_jobs() -> int:
    return await fetchval(Sql("SELECT count(*) FROM pgqueuer WHERE entrypoint = %s", DELIVER_JOB))


class Boom(Exception):
    pass


async def test_a_change_that_rolls_back_writes_no_event_and_queues_no_job(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    customer = await factory.customer(tenant, name="Rolled back")

    with pytest.raises(Boom):
        async with in_transaction():
            written = await outbox.emit(tenant.id, WebhookEventType.CUSTOMER_UPDATED, "Customer", customer)
            assert written == 1  # inside the transaction the row is there...
            raise Boom
    assert await events_of(tenant.id) == 0  # ...and went with it
    assert await queued_jobs() == 0
    await deliver()
    assert receiver.received == []


async def test_a_refused_mutation_sends_nothing(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    await create_customer(gql, admin, "First", email="same@example.com")
    await deliver()
    receiver.received.clear()

    data = await gql.data(
        'mutation { createCustomer(input: {name: "Second", email: "same@example.com"}) { __typename } }', as_=admin
    )
    assert data["createCustomer"]["__typename"] == "DuplicateCustomer"
    await deliver()
    assert receiver.received == []
    assert await events_of(tenant.id) == 1


async def test_no_event_is_written_while_no_endpoint_subscribes(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_customer(gql, admin, "Nobody listens")
    await create_webhook(gql, admin, receiver.url, ["NOTE_CREATED"])
    await create_customer(gql, admin, "Still nobody")
    assert await events_of(tenant.id) == 0
    assert await queued_jobs() == 0


async def test_an_event_committed_while_no_worker_runs_is_delivered_when_one_does(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    customer_id = await create_customer(gql, admin, "Queued")

    # Committed with the customer: the event and its job wait in the database, nothing was sent.
    assert await events_of(tenant.id) == 1
    assert await queued_jobs() == 1
    assert receiver.received == []

    await deliver()  # a worker, started later
    assert [b["data"]["id"] for b in receiver.bodies()] == [customer_id]


async def test_a_worker_that_dies_while_sending_leaves_the_event_to_the_next_one(factory, gql, receiver, monkeypatch):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    customer_id = await create_customer(gql, admin, "Interrupted")

    # A worker fans the event out and leases it, then dies before it records any answer.
    access = await delivery.reader(tenant.id)
    assert access is not None
    await delivery.fan_out(tenant.id, access)
    claimed = await delivery.claim_due(tenant.id, 10)
    assert len(claimed) == 1
    assert await delivery.claim_due(tenant.id, 10) == []  # held by the dead worker's lease

    # Once the lease runs out, the next worker sends it.
    later = clock.now() + timedelta(minutes=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    await delivery.run_pass(tenant.id)
    assert [b["data"]["id"] for b in receiver.bodies()] == [customer_id]
    assert [b["id"] for b in receiver.bodies()] == [gid(claimed[0]["event_id"], "WebhookEvent")]


async def test_delivered_events_are_forgotten_after_the_retention_but_waiting_ones_are_kept(
    factory, gql, receiver, monkeypatch
):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    receiver.rule = lambda body: 200 if body["data"]["name"] == "Delivered" else 500
    await create_customer(gql, admin, "Delivered")
    await create_customer(gql, admin, "Still failing")
    await delivery.run_pass(tenant.id)
    assert await events_of(tenant.id) == 2

    later = clock.now() + timedelta(days=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    await delivery.purge(tenant.id)
    (kept,) = await fetch(Sql("SELECT object_type, body FROM webhook_event WHERE tenant_id = %s", tenant.id))
    assert kept["body"]["data"]["name"] == "Still failing"


async def test_all_the_companys_attempts_are_listed_without_a_webhook_id(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    first = await create_webhook(gql, admin, receiver.url)
    second = await create_webhook(gql, admin, receiver.url)
    await create_customer(gql, admin, "Twice")
    await deliver()
    data = await gql.data("{ webhookDeliveries(first: 10) { totalCount nodes { webhookId succeeded } } }", as_=admin)
    listed = data["webhookDeliveries"]
    assert listed["totalCount"] == 2
    assert sorted(n["webhookId"] for n in listed["nodes"]) == sorted([first["id"], second["id"]])
