"""Only admins manage webhooks, each company only its own; secrets never leave after creation."""

from __future__ import annotations

import pytest

from models.db import fetch, fetchval
from models.sql import Sql
from resolvers.webhooks import config
from tests.helpers import error_codes
from tests.webhooks.support import CREATE, DELIVERIES, WEBHOOKS, create_customer, create_webhook, deliver

UPDATE = """
mutation($input: UpdateWebhookInput!) {
  updateWebhook(input: $input) {
    __typename
    ... on WebhookSuccess { webhook { id url events description } }
    ... on ValidationFailed { fields { field code } }
    ... on NotFound { id }
  }
}
"""
BY_ID = {
    "disableWebhook": "DisableWebhook",
    "enableWebhook": "EnableWebhook",
    "deleteWebhook": "DeleteWebhook",
    "rotateWebhookSecret": "RotateWebhookSecret",
}
REDELIVER = """
mutation($input: RedeliverWebhookEventInput!) {
  redeliverWebhookEvent(input: $input) { __typename ... on RedeliverWebhookEventSuccess { queued } }
}
"""


def by_id(name: str) -> str:
    return f"mutation($id: ID!) {{ {name}(input: {{id: $id}}) {{ __typename }} }}"


@pytest.mark.parametrize("role", ["seller", "supervisor"])
async def test_sellers_and_supervisors_are_forbidden(factory, gql, receiver, role):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url)
    user = await factory.user(tenant, role)

    requests = [
        (WEBHOOKS, {}),
        (CREATE, {"input": {"url": receiver.url, "events": ["CUSTOMER_CREATED"]}}),
        (UPDATE, {"input": {"id": hook["id"], "url": receiver.url}}),
        (DELIVERIES, {"id": hook["id"]}),
        (REDELIVER, {"input": {"eventId": hook["id"]}}),
        *((by_id(name), {"id": hook["id"]}) for name in BY_ID),
    ]
    for query, variables in requests:
        body = await gql.post(query, variables, as_=user)
        assert error_codes(body) == ["FORBIDDEN"], (query, body)
    assert await fetchval(Sql("SELECT count(*) FROM webhook WHERE tenant_id = %s", tenant.id)) == 1


async def test_another_companys_webhooks_are_invisible_and_untouchable(factory, gql, receiver):
    ours = await factory.tenant()
    theirs = await factory.tenant()
    admin = await factory.user(ours, "admin")
    other_admin = await factory.user(theirs, "admin")
    mine = await create_webhook(gql, admin, receiver.url)
    hook = await create_webhook(gql, other_admin, receiver.url)
    await create_customer(gql, other_admin, "Theirs")
    await deliver()
    (their_event,) = receiver.bodies()

    assert [w["id"] for w in (await gql.data(WEBHOOKS, as_=admin))["webhooks"]] == [mine["id"]]
    assert (await gql.data(DELIVERIES, {"id": hook["id"]}, as_=admin))["webhookDeliveries"] is None
    update = await gql.data(UPDATE, {"input": {"id": hook["id"], "url": "http://attacker.example/"}}, as_=admin)
    assert update["updateWebhook"]["__typename"] == "NotFound"
    for name in BY_ID:
        answer = await gql.data(by_id(name), {"id": hook["id"]}, as_=admin)
        assert answer[name]["__typename"] == "NotFound", name
    redeliver = await gql.data(REDELIVER, {"input": {"eventId": their_event["id"]}}, as_=admin)
    assert redeliver["redeliverWebhookEvent"]["__typename"] == "NotFound"

    (row,) = await fetch(Sql("SELECT url, enabled FROM webhook WHERE tenant_id = %s", theirs.id))
    assert row == {"url": receiver.url, "enabled": True}
    assert len(receiver.received) == 1


async def test_the_secret_is_kept_encrypted_and_never_shown_again(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url)
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    stored = await fetchval(Sql("SELECT secret FROM webhook WHERE tenant_id = %s", tenant.id))
    assert hook["secret"] not in stored
    body = await gql.post("{ webhooks { id secret } }", as_=admin)
    assert "Cannot query field 'secret'" in body["errors"][0]["message"]


async def test_an_update_checks_its_input_and_changes_only_what_it_names(factory, gql, receiver, production):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    config.configure(allow_private=True)
    hook = await create_webhook(gql, admin, receiver.url, ["CUSTOMER_CREATED"])
    config.configure(allow_private=False)

    refused = await gql.data(UPDATE, {"input": {"id": hook["id"], "url": "http://10.0.0.1/"}}, as_=admin)
    assert refused["updateWebhook"]["__typename"] == "ValidationFailed"
    empty = await gql.data(UPDATE, {"input": {"id": hook["id"], "events": []}}, as_=admin)
    assert empty["updateWebhook"]["fields"] == [{"field": "events", "code": "REQUIRED"}]

    changed = await gql.data(
        UPDATE,
        {"input": {"id": hook["id"], "events": ["NOTE_CREATED", "TASK_CREATED"], "description": "CRM"}},
        as_=admin,
    )
    webhook = changed["updateWebhook"]["webhook"]
    assert webhook == {
        "id": hook["id"],
        "url": receiver.url,
        "events": ["NOTE_CREATED", "TASK_CREATED"],
        "description": "CRM",
    }


async def test_changes_to_webhooks_are_audited_without_the_secret(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url, ["CUSTOMER_CREATED"])
    await gql.data(UPDATE, {"input": {"id": hook["id"], "description": "ERP"}}, as_=admin)
    for name in ("rotateWebhookSecret", "disableWebhook", "enableWebhook", "deleteWebhook"):
        await gql.data(by_id(name), {"id": hook["id"]}, as_=admin)
    rows = await fetch(
        Sql(
            "SELECT action, object_type, actor_id, before::text, after::text FROM audit_entry "
            "WHERE tenant_id = %s ORDER BY created_at, action",
            tenant.id,
        )
    )
    assert [r["action"] for r in rows] == [
        "webhook.create",
        "webhook.update",
        "webhook.rotate_secret",
        "webhook.disable",
        "webhook.enable",
        "webhook.delete",
    ]
    assert {r["object_type"] for r in rows} == {"Webhook"}
    assert {r["actor_id"] for r in rows} == {admin.id}
    assert all(hook["secret"] not in (r["before"] or "") + (r["after"] or "") for r in rows)
    assert '"ERP"' in rows[1]["after"]


async def test_the_list_costs_one_statement(factory, gql, receiver, count_statements):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    for _ in range(3):
        await create_webhook(gql, admin, receiver.url)
    with count_statements() as counter:
        data = await gql.data(WEBHOOKS, as_=admin)
    assert len(data["webhooks"]) == 3
    assert counter.count == 2, counter.statements  # authentication + the list
