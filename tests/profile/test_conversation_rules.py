"""Conversation rules a chat CRM user expects: one open conversation per customer and channel, a
closed one takes no reply until reopened (a customer's message reopens it), times from the future
are refused, and a purchase is never negative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from authz.authenticate import forget_principals
from models import User
from models.db import fetchval
from models.sql import Sql
from tests.helpers import gid, tenant_fingerprint

INBOUND = """mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename
  ... on InboundMessageRecorded { conversation { id status } customer { id lastInteractionAt } }
  ... on ValidationFailed { fields { field code message } } } }"""
REPLY = """mutation($i: ReplyInput!) { replyToConversation(input: $i) { __typename
  ... on MessageSent { sent { direction } }
  ... on ConversationClosed { message conversation { id status } } } }"""
STATUS = """mutation($i: ConversationStatusInput!) { setConversationStatus(input: $i) { __typename
  ... on ConversationChanged { conversation { id status } }
  ... on ConversationAlreadyOpen { message conversations { id } } } }"""
START = """mutation($i: StartConversationInput!) { startConversation(input: $i) { __typename
  ... on ConversationsStarted { conversations { id } }
  ... on ConversationAlreadyOpen { message conversations { id status customer { id } } }
  ... on ValidationFailed { fields { field code } } } }"""
TEMPLATE = """mutation($i: MessageTemplateInput!) { createMessageTemplate(input: $i) {
  ... on MessageTemplateSaved { template { id } } } }"""
PURCHASE = """mutation($i: RecordPurchaseInput!) { recordPurchase(input: $i) { __typename
  ... on ValidationFailed { fields { field code } } } }"""


@pytest.fixture
async def shop(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await User.filter(id=admin.id).update(can_start_conversations=True)
    forget_principals()  # written behind the API's back: read afresh now
    _, key = await factory.api_key(tenant, "admin")
    template = await gql.data(TEMPLATE, {"i": {"name": "Hi", "channel": "WHATSAPP", "body": "Olá {{name}}"}}, as_=admin)
    return tenant, admin, key, template["createMessageTemplate"]["template"]["id"]


async def inbound(gql, key, sender="+55 11 95555-0000", **fields):
    data = await gql.data(INBOUND, {"i": {"channel": "WHATSAPP", "from": sender, "body": "Oi", **fields}}, as_=key)
    return data["recordInboundMessage"]


async def close(gql, admin, conversation):
    data = await gql.data(STATUS, {"i": {"conversationId": conversation, "status": "CLOSED"}}, as_=admin)
    assert data["setConversationStatus"]["conversation"]["status"] == "CLOSED"


async def test_a_reply_to_a_closed_conversation_is_refused_until_it_is_reopened(gql, shop):
    tenant, admin, key, _ = shop
    conversation = (await inbound(gql, key))["conversation"]["id"]
    await close(gql, admin, conversation)
    before = await fetchval(Sql("SELECT count(*) FROM message WHERE tenant_id = %s", tenant.id))

    refused = (await gql.data(REPLY, {"i": {"conversationId": conversation, "body": "x"}}, as_=admin))[
        "replyToConversation"
    ]

    assert refused["__typename"] == "ConversationClosed"
    assert refused["conversation"] == {"id": conversation, "status": "CLOSED"}
    assert await fetchval(Sql("SELECT count(*) FROM message WHERE tenant_id = %s", tenant.id)) == before
    reopened = await gql.data(STATUS, {"i": {"conversationId": conversation, "status": "OPEN"}}, as_=admin)
    assert reopened["setConversationStatus"]["conversation"]["status"] == "OPEN"
    sent = await gql.data(REPLY, {"i": {"conversationId": conversation, "body": "x"}}, as_=admin)
    assert sent["replyToConversation"]["__typename"] == "MessageSent"


async def test_a_message_from_the_customer_reopens_the_closed_conversation(gql, shop):
    tenant, admin, key, _ = shop
    first = await inbound(gql, key)
    await close(gql, admin, first["conversation"]["id"])

    again = await inbound(gql, key, body="Ainda estou aqui")

    assert again["conversation"] == {"id": first["conversation"]["id"], "status": "OPEN"}
    assert await fetchval(Sql("SELECT count(*) FROM conversation WHERE tenant_id = %s", tenant.id)) == 1


async def test_starting_a_conversation_while_one_is_open_names_the_open_one(gql, factory, shop):
    tenant, admin, key, template = shop
    open_one = await inbound(gql, key)
    other = await factory.customer(tenant, name="Bia", whatsapp="+5511970000001", whatsapp_e164="+5511970000001")
    before = await tenant_fingerprint(tenant.id)

    result = (
        await gql.data(
            START, {"i": {"templateId": template, "customerIds": [gid(other), open_one["customer"]["id"]]}}, as_=admin
        )
    )["startConversation"]

    assert result["__typename"] == "ConversationAlreadyOpen"
    assert result["conversations"] == [
        {"id": open_one["conversation"]["id"], "status": "OPEN", "customer": {"id": open_one["customer"]["id"]}}
    ]
    assert await tenant_fingerprint(tenant.id) == before
    assert await fetchval(Sql("SELECT count(*) FROM conversation WHERE tenant_id = %s", tenant.id)) == 1
    # once it is closed, a new one may start
    await close(gql, admin, open_one["conversation"]["id"])
    started = await gql.data(
        START, {"i": {"templateId": template, "customerIds": [open_one["customer"]["id"]]}}, as_=admin
    )
    assert started["startConversation"]["__typename"] == "ConversationsStarted"


async def test_reopening_while_another_is_open_on_the_channel_is_refused(gql, shop):
    _tenant, admin, key, template = shop
    first = await inbound(gql, key)
    await close(gql, admin, first["conversation"]["id"])
    started = await gql.data(
        START, {"i": {"templateId": template, "customerIds": [first["customer"]["id"]]}}, as_=admin
    )
    second = started["startConversation"]["conversations"][0]["id"]

    result = await gql.data(STATUS, {"i": {"conversationId": first["conversation"]["id"], "status": "OPEN"}}, as_=admin)

    assert result["setConversationStatus"] == {
        "__typename": "ConversationAlreadyOpen",
        "message": result["setConversationStatus"]["message"],
        "conversations": [{"id": second}],
    }


async def test_a_message_time_from_the_future_is_refused(gql, shop):
    tenant, _admin, key, _ = shop
    far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    skewed = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()

    refused = await inbound(gql, key, sentAt=far)
    accepted = await inbound(gql, key, sender="+55 11 95555-0001", sentAt=skewed)

    assert refused["__typename"] == "ValidationFailed"
    assert [(f["field"], f["code"]) for f in refused["fields"]] == [("sentAt", "INVALID")]
    assert accepted["__typename"] == "InboundMessageRecorded"
    assert await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s", tenant.id)) == 1


async def test_a_negative_purchase_amount_is_refused(gql, factory, shop):
    tenant, admin, _key, _ = shop
    customer = await factory.customer(tenant, name="Ana")
    base = {"customerId": gid(customer), "currency": "BRL", "occurredAt": "2026-01-02T10:00:00Z"}

    refused = await gql.data(PURCHASE, {"i": {**base, "amount": "-10.00"}}, as_=admin)
    free = await gql.data(PURCHASE, {"i": {**base, "amount": "0"}}, as_=admin)

    assert refused["recordPurchase"] == {
        "__typename": "ValidationFailed",
        "fields": [{"field": "amount", "code": "INVALID"}],
    }
    assert free["recordPurchase"]["__typename"] == "PurchaseSuccess"
