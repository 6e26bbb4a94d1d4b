"""A change reaches a registered endpoint: signed, with the object as an admin reads it."""

from __future__ import annotations

import pytest

from tests.webhooks.support import create_customer, create_webhook, deliver, deliveries, update_customer


async def test_a_new_customer_is_delivered_signed_with_the_object_as_the_api_shows_it(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url)

    customer_id = await create_customer(gql, admin, "Ana Souza", email="ana@example.com")
    await deliver()

    assert len(receiver.received) == 1
    sent = receiver.received[0]
    body = sent.json()
    assert body["type"] == "customer.created"
    assert body["company"]["slug"] == tenant.slug
    assert body["data"]["id"] == customer_id
    assert body["data"]["name"] == "Ana Souza"
    assert body["data"]["email"] == "ana@example.com"
    assert sent.headers["x-crm-webhook-id"] == body["id"]
    assert sent.headers["x-crm-webhook-signature"].startswith("v1=")
    read = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Customer { id name email status createdAt } } }",
        {"id": customer_id},
        as_=admin,
    )
    for key, value in read["node"].items():
        assert body["data"][key] == value

    attempts = await deliveries(gql, admin, hook["id"])
    assert [(a["succeeded"], a["statusCode"], a["eventId"], a["eventType"]) for a in attempts] == [
        (True, 200, body["id"], "CUSTOMER_CREATED")
    ]


async def test_an_update_is_delivered_after_the_creation(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    customer_id = await create_customer(gql, admin, "Bruno")
    await update_customer(gql, admin, customer_id, name="Bruno Lima")
    await deliver()
    assert [(b["type"], b["data"]["name"]) for b in receiver.bodies()] == [
        ("customer.created", "Bruno Lima"),
        ("customer.updated", "Bruno Lima"),
    ]


@pytest.mark.parametrize("events", [["CUSTOMER_UPDATED"]])
async def test_only_the_subscribed_events_are_written_and_sent(factory, gql, receiver, events):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url, events)
    customer_id = await create_customer(gql, admin, "Carla")
    await update_customer(gql, admin, customer_id, name="Carla Dias")
    await deliver()
    assert [b["type"] for b in receiver.bodies()] == ["customer.updated"]
