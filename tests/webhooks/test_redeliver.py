"""An event can be sent again, by attempt or by event: same id, same body."""

from __future__ import annotations

from datetime import timedelta

from resolvers.webhooks import config
from tests.webhooks.support import DELIVERIES, create_customer, create_webhook, deliver, deliveries

REDELIVER = """
mutation($input: RedeliverWebhookEventInput!) {
  redeliverWebhookEvent(input: $input) {
    __typename ... on RedeliverWebhookEventSuccess { queued } ... on NotFound { id }
  }
}
"""


async def test_an_event_is_sent_again_by_its_attempt_or_its_id(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url)
    await create_customer(gql, admin, "Again")
    await deliver()
    (attempt,) = await deliveries(gql, admin, hook["id"])

    by_attempt = await gql.data(REDELIVER, {"input": {"deliveryId": attempt["id"]}}, as_=admin)
    assert by_attempt["redeliverWebhookEvent"] == {"__typename": "RedeliverWebhookEventSuccess", "queued": 1}
    await deliver()
    by_event = await gql.data(REDELIVER, {"input": {"eventId": attempt["eventId"]}}, as_=admin)
    assert by_event["redeliverWebhookEvent"]["queued"] == 1
    await deliver()

    assert len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1
    assert {r.headers["x-crm-webhook-id"] for r in receiver.received} == {attempt["eventId"]}
    attempts = await deliveries(gql, admin, hook["id"])
    assert [a["succeeded"] for a in attempts] == [True, True, True]

    # Newest first, a page at a time.
    first = (await gql.data(DELIVERIES, {"id": hook["id"], "first": 2}, as_=admin))["webhookDeliveries"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    rest = await gql.data(
        DELIVERIES, {"id": hook["id"], "first": 2, "after": first["pageInfo"]["endCursor"]}, as_=admin
    )
    page = rest["webhookDeliveries"]
    assert not page["pageInfo"]["hasNextPage"]
    assert [a["id"] for a in first["nodes"] + page["nodes"]] == [a["id"] for a in attempts]
    assert attempts[-1]["id"] == attempt["id"]


async def test_a_given_up_event_can_be_sent_again(factory, gql, receiver):
    old = config.configure(give_up_after=timedelta(0))
    try:
        tenant = await factory.tenant()
        admin = await factory.user(tenant, "admin")
        hook = await create_webhook(gql, admin, receiver.url)
        receiver.answers = [500]
        await create_customer(gql, admin, "Given up")
        await deliver()  # fails, and is given up (and the endpoint disabled) at once
    finally:
        config.configure(give_up_after=old.give_up_after)
    (attempt,) = await deliveries(gql, admin, hook["id"])
    assert not attempt["succeeded"]
    await gql.data(f'mutation {{ enableWebhook(input: {{id: "{hook["id"]}"}}) {{ __typename }} }}', as_=admin)

    again = await gql.data(REDELIVER, {"input": {"deliveryId": attempt["id"]}}, as_=admin)
    assert again["redeliverWebhookEvent"]["queued"] == 1
    await deliver()
    assert [a["succeeded"] for a in await deliveries(gql, admin, hook["id"])] == [True, False]


async def test_an_unknown_event_is_not_found(factory, gql):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    answer = await gql.data(
        REDELIVER,
        {"input": {"eventId": "V2ViaG9va0V2ZW50OjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA=="}},
        as_=admin,
    )
    assert answer["redeliverWebhookEvent"]["__typename"] == "NotFound"
    answer = await gql.data(REDELIVER, {"input": {}}, as_=admin)
    assert answer["redeliverWebhookEvent"]["__typename"] == "NotFound"
