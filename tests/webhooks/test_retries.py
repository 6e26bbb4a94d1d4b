"""Failed deliveries are retried with exponential backoff and jitter; a day of failures disables
the endpoint, and the admin sees why."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from models.db import fetch, fetchval
from models.sql import Sql
from resolvers import clock
from resolvers.webhooks import config, delivery
from resolvers.webhooks.schedule import retry_delay
from tests.webhooks.support import WEBHOOKS, create_customer, create_webhook, deliver, deliveries


async def test_a_failing_endpoint_is_retried_with_growing_waits_until_it_answers(factory, gql, receiver, fast_retries):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url)
    receiver.answers = [500, 503, 502]  # then 200
    await create_customer(gql, admin, "Retried")

    await deliver()  # runs the follow-up jobs too, each when its retry is due

    times = [r.at for r in receiver.received]
    assert len(times) == 4
    base = fast_retries.retry_base.total_seconds()
    for n, (before, after) in enumerate(itertools.pairwise(times), 1):
        # The n-th wait is base * 2^(n-1), shortened by jitter by at most half.
        assert after - before >= base * 2 ** (n - 1) * 0.5 - 0.02, (n, after - before)
    # The same event, byte for byte, each time.
    assert len({r.body for r in receiver.received}) == 1
    assert len({r.headers["x-crm-webhook-id"] for r in receiver.received}) == 1

    attempts = await deliveries(gql, admin, hook["id"])
    assert [(a["attempt"], a["statusCode"], a["succeeded"]) for a in attempts] == [
        (4, 200, True),
        (3, 502, False),
        (2, 503, False),
        (1, 500, False),
    ]
    assert attempts[-1]["error"].startswith("HTTP 500")
    assert all(a["latencyMs"] >= 0 for a in attempts)


async def test_an_endpoint_that_does_not_answer_in_time_is_retried(factory, gql, receiver):
    old = config.configure(timeout=timedelta(seconds=0.3))
    try:
        tenant = await factory.tenant()
        admin = await factory.user(tenant, "admin")
        hook = await create_webhook(gql, admin, receiver.url)
        receiver.delays = [1.0]
        await create_customer(gql, admin, "Slow")
        await deliver()
    finally:
        config.configure(timeout=old.timeout)
    attempts = await deliveries(gql, admin, hook["id"])
    assert [(a["succeeded"], a["statusCode"], a["error"]) for a in attempts] == [
        (True, 200, None),
        (False, None, "timed out"),
    ]
    assert attempts[1]["latencyMs"] >= 250


def test_the_backoff_doubles_up_to_its_cap_with_jitter_of_at_most_half():
    cfg = config.WebhookConfig(retry_base=timedelta(seconds=30), retry_max=timedelta(hours=1))
    rand = random.Random(7)
    for failures, ceiling in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)]:
        waits = [retry_delay(cfg, failures, rand).total_seconds() for _ in range(50)]
        assert all(ceiling * 0.5 <= w < ceiling for w in waits), (failures, min(waits), max(waits))
        assert max(waits) - min(waits) > ceiling * 0.1  # jittered, not one fixed wait


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@pytest.fixture
def moved_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(clock, "now", fake)
    return fake


async def test_an_endpoint_failing_for_a_day_is_disabled_and_says_why(factory, gql, receiver, moved_clock):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    receiver.rule = lambda body: 500
    await create_customer(gql, admin, "Never heard")

    await delivery.run_pass(tenant.id)  # first attempt fails
    (listed,) = (await gql.data(WEBHOOKS, as_=admin))["webhooks"]
    assert listed["enabled"] and listed["failingSince"] is not None

    for _ in range(3):  # hours later, still failing
        moved_clock.advance(timedelta(hours=7))
        await delivery.run_pass(tenant.id)
    (listed,) = (await gql.data(WEBHOOKS, as_=admin))["webhooks"]
    assert listed["enabled"], "21 hours of failures are not yet a day"

    moved_clock.advance(timedelta(hours=4))
    await delivery.run_pass(tenant.id)
    (listed,) = (await gql.data(WEBHOOKS, as_=admin))["webhooks"]
    assert listed["enabled"] is False
    assert listed["disabledAt"] is not None
    assert "failed for 25.0 hours" in listed["disabledReason"] and "HTTP 500" in listed["disabledReason"]
    assert len(receiver.received) == 5
    # The event itself was given up, and a disabled endpoint is sent nothing more.
    statuses = await fetch(Sql("SELECT status FROM webhook_dispatch WHERE tenant_id = %s", tenant.id))
    assert [s["status"] for s in statuses] == ["failed"]
    await create_customer(gql, admin, "While disabled")
    moved_clock.advance(timedelta(hours=1))
    await delivery.run_pass(tenant.id)
    assert len(receiver.received) == 5
    assert await fetchval(Sql("SELECT count(*) FROM webhook_event WHERE tenant_id = %s", tenant.id)) == 1


async def test_one_success_resets_the_day(factory, gql, receiver, moved_clock):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url)
    receiver.answers = [500, 200]
    await create_customer(gql, admin, "Flaky")
    await delivery.run_pass(tenant.id)
    moved_clock.advance(timedelta(hours=23))
    await delivery.run_pass(tenant.id)  # succeeds
    receiver.answers = [500]
    await create_customer(gql, admin, "Flaky again")
    moved_clock.advance(timedelta(hours=2))
    await delivery.run_pass(tenant.id)
    (listed,) = (await gql.data(WEBHOOKS, as_=admin))["webhooks"]
    assert listed["enabled"] and listed["failingSince"] is not None


async def test_a_secret_sealed_under_another_server_secret_fails_and_says_to_rotate(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url)
    await create_customer(gql, admin, "Unsigned")
    old = config.configure(secret_key="another server secret")
    try:
        await delivery.run_pass(tenant.id)
    finally:
        config.configure(secret_key=old.secret_key)
    assert receiver.received == []
    (attempt,) = await deliveries(gql, admin, hook["id"])
    assert not attempt["succeeded"] and "rotate it" in attempt["error"]
