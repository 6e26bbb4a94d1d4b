"""Helpers for webhook tests: register an endpoint, make changes, run the delivery jobs."""

from __future__ import annotations

from typing import Any

from resolvers.jobs.testing import run_pending_jobs

CREATE = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    __typename
    ... on WebhookSecretSuccess { secret webhook { id url events enabled } }
    ... on ValidationFailed { fields { field code message } }
  }
}
"""

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename ... on CreateCustomerSuccess { customer { id name } } ... on ValidationFailed { fields { field message } }
  }
}
"""

UPDATE_CUSTOMER = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { __typename }
}
"""

DELIVERIES = """
query($id: ID!, $first: Int, $after: String) {
  webhookDeliveries(webhookId: $id, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id webhookId eventId eventType attempt statusCode latencyMs error succeeded at }
  }
}
"""

WEBHOOKS = "{ webhooks { id url events enabled disabledAt disabledReason failingSince } }"

ALL_EVENTS = [
    "CUSTOMER_CREATED",
    "CUSTOMER_UPDATED",
    "CUSTOMER_MERGED",
    "CUSTOMER_UNMERGED",
    "CUSTOMER_OWNER_CHANGED",
    "NOTE_CREATED",
    "TASK_CREATED",
    "TASK_COMPLETED",
    "IMPORT_FINISHED",
]


async def create_webhook(gql: Any, admin: Any, url: str, events: list[str] | None = None) -> dict[str, Any]:
    data = await gql.data(CREATE, {"input": {"url": url, "events": events or ALL_EVENTS}}, as_=admin)
    result = data["createWebhook"]
    assert result["__typename"] == "WebhookSecretSuccess", result
    return {"id": result["webhook"]["id"], "secret": result["secret"]}


async def create_customer(gql: Any, user: Any, name: str, **fields: Any) -> str:
    data = await gql.data(CREATE_CUSTOMER, {"input": {"name": name, **fields}}, as_=user)
    assert data["createCustomer"]["__typename"] == "CreateCustomerSuccess", data
    return data["createCustomer"]["customer"]["id"]


async def update_customer(gql: Any, user: Any, customer_id: str, **fields: Any) -> None:
    data = await gql.data(UPDATE_CUSTOMER, {"input": {"id": customer_id, **fields}}, as_=user)
    assert data["updateCustomer"]["__typename"] == "UpdateCustomerSuccess", data


async def deliver() -> None:
    await run_pending_jobs()


async def deliveries(gql: Any, admin: Any, webhook_id: str, first: int = 100) -> list[dict[str, Any]]:
    data = await gql.data(DELIVERIES, {"id": webhook_id, "first": first}, as_=admin)
    return data["webhookDeliveries"]["nodes"]
