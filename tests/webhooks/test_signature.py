"""Receivers verify deliveries with the README's snippet, run here as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from server.settings import PROJECT_ROOT
from tests.webhooks.support import create_customer, create_webhook, deliver

ROTATE = """
mutation($id: ID!) {
  rotateWebhookSecret(input: {id: $id}) { __typename ... on WebhookSecretSuccess { secret webhook { id } } }
}
"""


def readme_verify() -> Any:
    """The ``verify`` function of README.md's Webhooks section."""
    text = (Path(PROJECT_ROOT) / "README.md").read_text()
    section = text[text.index("### Webhooks") :]
    snippet = re.search(r"^```python\n(.*?)^```", section, flags=re.S | re.M)
    assert snippet, "the Webhooks section of README.md has no python snippet"
    scope: dict[str, Any] = {}
    exec(snippet.group(1), scope)
    return scope["verify"]


def as_sent(headers: dict[str, str]) -> dict[str, str]:
    """The headers with the capitals the README uses (the test server lower-cases them)."""
    names = ("X-CRM-Webhook-Id", "X-CRM-Webhook-Timestamp", "X-CRM-Webhook-Signature")
    return {name: headers[name.lower()] for name in names}


async def test_the_readme_snippet_accepts_a_delivery_and_refuses_forgeries(factory, gql, receiver):
    verify = readme_verify()
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url)
    await create_customer(gql, admin, "Signed")
    await deliver()

    (sent,) = receiver.received
    headers = as_sent(sent.headers)
    assert verify(hook["secret"], headers, sent.body)
    assert not verify(hook["secret"] + "x", headers, sent.body)
    assert not verify(hook["secret"], headers, sent.body.replace(b"Signed", b"Forged"))
    stale = {**headers, "X-CRM-Webhook-Timestamp": str(int(headers["X-CRM-Webhook-Timestamp"]) - 3600)}
    assert not verify(hook["secret"], stale, sent.body)


async def test_after_a_rotation_only_the_new_secret_verifies(factory, gql, receiver):
    verify = readme_verify()
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    hook = await create_webhook(gql, admin, receiver.url)
    rotated = (await gql.data(ROTATE, {"id": hook["id"]}, as_=admin))["rotateWebhookSecret"]
    assert rotated["__typename"] == "WebhookSecretSuccess"
    new_secret = rotated["secret"]
    assert new_secret != hook["secret"]

    await create_customer(gql, admin, "After rotation")
    await deliver()
    (sent,) = receiver.received
    assert verify(new_secret, as_sent(sent.headers), sent.body)
    assert not verify(hook["secret"], as_sent(sent.headers), sent.body)
