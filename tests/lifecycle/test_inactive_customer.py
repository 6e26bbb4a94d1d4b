"""An inactive customer takes no new task, contract or started conversation; what it sends is kept, flagged."""

from __future__ import annotations

import pytest

from authz.authenticate import forget_principals
from models import User
from models.db import fetchval
from models.sql import Sql
from tests.helpers import gid
from tests.lifecycle.support import CREATE_CONTRACT

CREATE_TASK = """mutation($i: CreateTaskInput!) { createTask(input: $i) { __typename
  ... on TaskSuccess { task { id } } ... on CustomerInactive { message customerIds } } }"""
START = """mutation($i: StartConversationInput!) { startConversation(input: $i) { __typename
  ... on ConversationsStarted { conversations { id } } ... on CustomerInactive { customerIds } } }"""
TEMPLATE = """mutation($i: MessageTemplateInput!) { createMessageTemplate(input: $i) {
  ... on MessageTemplateSaved { template { id } } } }"""
INBOUND = """mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename
  ... on InboundMessageRecorded { customerCreated received { id body fromInactiveCustomer }
    customer { id status } conversation { id messages { nodes { body fromInactiveCustomer } } } } } }"""


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await User.filter(id=admin.id).update(can_start_conversations=True)
    forget_principals()
    _, key = await factory.api_key(tenant, "admin")
    phone = "+5511970001234"
    inactive = await factory.customer(tenant, status="inactive", whatsapp=phone, whatsapp_e164=phone)
    active = await factory.customer(tenant, whatsapp="+5511970005678", whatsapp_e164="+5511970005678")
    from resolvers import contact_keys

    for pk, number in ((inactive, phone), (active, "+5511970005678")):
        await contact_keys.claim(tenant.id, pk, {"whatsapp_e164": number}, exclusive=True)
    return tenant, admin, key, inactive, active


async def test_an_inactive_customer_gets_no_new_task(gql, shop):
    tenant, admin, _, inactive, active = shop

    refused = await gql.data(CREATE_TASK, {"i": {"customerId": gid(inactive), "title": "Call"}}, as_=admin)
    assert refused["createTask"] == {
        "__typename": "CustomerInactive",
        "message": "The customer is inactive: reactivate it first.",
        "customerIds": [gid(inactive)],
    }
    assert await fetchval(Sql("SELECT count(*) FROM task WHERE tenant_id = %s", tenant.id)) == 0
    ok = await gql.data(CREATE_TASK, {"i": {"customerId": gid(active), "title": "Call"}}, as_=admin)
    assert ok["createTask"]["__typename"] == "TaskSuccess"


async def test_an_inactive_customer_gets_no_new_contract(gql, shop):
    tenant, admin, _, inactive, _ = shop
    answer = await gql.data(
        CREATE_CONTRACT, {"i": {"customerId": gid(inactive), "title": "Plan", "startsOn": "2026-01-01"}}, as_=admin
    )
    assert answer["createContract"] == {"__typename": "CustomerInactive", "customerIds": [gid(inactive)]}
    assert await fetchval(Sql("SELECT count(*) FROM contract WHERE tenant_id = %s", tenant.id)) == 0


async def test_an_inactive_customer_is_not_contacted(gql, shop):
    tenant, admin, _, inactive, active = shop
    template = (await gql.data(TEMPLATE, {"i": {"name": "Hi", "channel": "WHATSAPP", "body": "Olá!"}}, as_=admin))[
        "createMessageTemplate"
    ]["template"]

    refused = await gql.data(
        START, {"i": {"customerIds": [gid(active), gid(inactive)], "templateId": template["id"]}}, as_=admin
    )
    assert refused["startConversation"] == {"__typename": "CustomerInactive", "customerIds": [gid(inactive)]}
    assert await fetchval(Sql("SELECT count(*) FROM conversation WHERE tenant_id = %s", tenant.id)) == 0


async def test_an_inbound_message_from_an_inactive_customer_is_kept_and_flagged(gql, shop):
    _, _, key, inactive, active = shop

    kept = (
        await gql.data(
            INBOUND, {"i": {"channel": "WHATSAPP", "from": "+5511970001234", "body": "Ainda existo"}}, as_=key
        )
    )["recordInboundMessage"]
    assert kept["customerCreated"] is False and kept["customer"] == {"id": gid(inactive), "status": "INACTIVE"}
    assert kept["received"]["fromInactiveCustomer"] is True
    assert kept["conversation"]["messages"]["nodes"] == [{"body": "Ainda existo", "fromInactiveCustomer": True}]

    usual = (await gql.data(INBOUND, {"i": {"channel": "WHATSAPP", "from": "+5511970005678", "body": "Oi"}}, as_=key))[
        "recordInboundMessage"
    ]
    assert usual["customer"]["id"] == gid(active) and usual["received"]["fromInactiveCustomer"] is False


UPDATE_TASK = """mutation($i: UpdateTaskInput!) { updateTask(input: $i) { __typename
  ... on TaskSuccess { task { status } } ... on CustomerInactive { customerIds } } }"""


async def test_a_done_task_of_an_inactive_customer_is_not_reopened(gql, shop):
    tenant, admin, _, inactive, _ = shop
    task = await fetchval(
        Sql(
            "INSERT INTO task (tenant_id, customer_id, title, status, completed_at) "
            "VALUES (%s, %s, 'Called', 'done', now()) RETURNING id",
            tenant.id,
            inactive,
        )
    )
    refused = await gql.data(UPDATE_TASK, {"i": {"id": gid(task, "Task"), "status": "OPEN"}}, as_=admin)
    assert refused["updateTask"] == {"__typename": "CustomerInactive", "customerIds": [gid(inactive)]}
    assert await fetchval(Sql("SELECT status FROM task WHERE id = %s", task)) == "done"
    # Editing it otherwise is still allowed.
    renamed = await gql.data(UPDATE_TASK, {"i": {"id": gid(task, "Task"), "title": "Called twice"}}, as_=admin)
    assert renamed["updateTask"] == {"__typename": "TaskSuccess", "task": {"status": "DONE"}}
