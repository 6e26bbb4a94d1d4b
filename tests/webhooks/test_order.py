"""One customer's events reach an endpoint in the order they happened; others' do not wait."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from models.db import fetch
from models.sql import Sql
from resolvers import clock
from resolvers.webhooks import delivery
from tests.helpers import gid
from tests.webhooks.support import create_customer, create_webhook, deliver, update_customer


async def test_a_failing_event_holds_back_the_later_events_of_its_customer_only(factory, gql, receiver, monkeypatch):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    failed_once: set[str] = set()

    def rule(body: dict) -> int:
        # The first delivery of Ana's creation fails; everything else succeeds.
        if (
            body["type"] == "customer.created"
            and body["data"]["name"].startswith("Ana")
            and body["id"] not in failed_once
        ):
            failed_once.add(body["id"])
            return 500
        return 200

    receiver.rule = rule
    ana = await create_customer(gql, admin, "Ana")
    await update_customer(gql, admin, ana, name="Ana B")
    await update_customer(gql, admin, ana, name="Ana C")
    bia = await create_customer(gql, admin, "Bia")

    await delivery.run_pass(tenant.id)
    # Ana's creation failed; her updates wait behind it. Bia's event went.
    assert sorted((b["type"], b["data"]["id"]) for b in receiver.bodies()) == sorted(
        [("customer.created", ana), ("customer.created", bia)]
    )

    await deliver()  # the retry, then the rest of Ana's events, one at a time
    anas = [(b["type"], b["id"]) for b in receiver.bodies() if b["data"]["id"] == ana]
    # In the order received: the failed creation, its retry, and only then the updates.
    assert [t for t, _ in anas] == ["customer.created", "customer.created", "customer.updated", "customer.updated"]
    assert anas[0][1] == anas[1][1]  # the retry is the same event
    assert [i for _, i in anas[1:]] == [e for e in await event_order(tenant.id) if e in {i for _, i in anas}]


async def test_concurrent_workers_never_send_one_customers_events_out_of_order(factory, gql, receiver, monkeypatch):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    receiver.delays = [0.05] * 100
    customers = [await create_customer(gql, admin, f"C{i}") for i in range(3)]
    for round_ in range(3):
        for pk in customers:
            await update_customer(gql, admin, pk, name=f"round {round_}")

    # Four workers at once on the same company's outbox.
    await asyncio.gather(*(delivery.run_pass(tenant.id) for _ in range(4)))
    later = clock.now() + timedelta(minutes=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    await asyncio.gather(*(delivery.run_pass(tenant.id) for _ in range(4)))

    sent = receiver.bodies()
    assert len(sent) == 12
    assert len({b["id"] for b in sent}) == 12  # none twice
    for pk in customers:
        types = [b["type"] for b in sent if b["data"]["id"] == pk]
        assert types == ["customer.created"] + ["customer.updated"] * 3
    seqs = await event_order(tenant.id)
    for pk in customers:
        ours = [b["id"] for b in sent if b["data"]["id"] == pk]
        assert ours == [e for e in seqs if e in set(ours)]


async def event_order(tenant_id) -> list[str]:
    """The company's event ids in the order they were written."""
    rows = await fetch(Sql("SELECT id FROM webhook_event WHERE tenant_id = %s ORDER BY seq", tenant_id))
    return [gid(r["id"], "WebhookEvent") for r in rows]
