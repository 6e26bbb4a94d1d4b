"""Conversations: inbound messages from channel integrations, replies, and opening conversations."""

from __future__ import annotations

import asyncio

import pytest

from authz.authenticate import forget_principals
from models.db import fetchval
from models.sql import Sql
from tests.helpers import count_customers, error_codes, gid, tenant_fingerprint

INBOUND = """mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename
  ... on InboundMessageRecorded { customerCreated duplicate
    received { id body direction status channel }
    conversation { id channel status handle }
    customer { id name originChannel whatsappE164 email lastInteractionAt lastContactedAt } }
  ... on ValidationFailed { fields { field code } } } }"""
REPLY = """mutation($i: ReplyInput!) { replyToConversation(input: $i) { __typename
  ... on MessageSent { sent { direction status author { email } } } ... on NotFound { message } } }"""
START = """mutation($i: StartConversationInput!) { startConversation(input: $i) { __typename
  ... on ConversationsStarted { conversations { id channel handle customer { name }
    messages { nodes { body status direction author { email } } } } }
  ... on ValidationFailed { fields { field code message } } ... on NotFound { message } } }"""
TEMPLATE = """mutation($i: MessageTemplateInput!) { createMessageTemplate(input: $i) { __typename
  ... on MessageTemplateSaved { template { id name placeholders channel } }
  ... on ValidationFailed { fields { field code } } } }"""


async def inbound(gql, key, **fields):
    data = await gql.data(INBOUND, {"i": fields}, as_=key)
    return data["recordInboundMessage"]


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    _, key = await factory.api_key(tenant, "admin")
    return tenant, admin, seller, key


async def test_a_message_from_a_new_number_creates_the_customer_and_a_conversation(gql, shop):
    tenant, _, _, key = shop

    first = await inbound(
        gql,
        key,
        channel="WHATSAPP",
        **{"from": "+55 11 98888-1234"},
        body="Olá!",
        channelMessageId="wamid.1",
        customerName="Joana",
    )
    second = await inbound(
        gql, key, channel="WHATSAPP", **{"from": "(11) 8888-1234"}, body="Tem desconto?", channelMessageId="wamid.2"
    )

    assert first["customerCreated"] is True and first["duplicate"] is False
    assert first["customer"]["name"] == "Joana" and first["customer"]["originChannel"] == "WHATSAPP"
    assert first["customer"]["whatsappE164"] == "+5511988881234"
    assert first["received"] == {
        "id": first["received"]["id"],
        "body": "Olá!",
        "direction": "INBOUND",
        "status": "RECEIVED",
        "channel": "WHATSAPP",
    }
    # the same number without its ninth digit is the same customer, in the same open conversation
    assert second["customerCreated"] is False
    assert second["customer"]["id"] == first["customer"]["id"]
    assert second["conversation"]["id"] == first["conversation"]["id"]
    assert second["customer"]["lastInteractionAt"] is not None
    assert second["customer"]["lastContactedAt"] is None  # nobody from the company has written yet
    assert await count_customers(tenant.id) == 1


async def test_the_same_channel_message_twice_is_stored_once(gql, shop):
    tenant, _, _, key = shop
    fields = {"channel": "WHATSAPP", "from": "+55 21 97777-0000", "body": "oi", "channelMessageId": "wamid.X"}

    results = await asyncio.gather(*(inbound(gql, key, **fields) for _ in range(5)))
    again = await inbound(gql, key, **fields)

    assert len({r["received"]["id"] for r in results}) == 1
    assert sum(not r["duplicate"] for r in results) == 1
    assert again["duplicate"] is True
    assert await fetchval(Sql("SELECT count(*) FROM message WHERE tenant_id = %s", tenant.id)) == 1
    assert await count_customers(tenant.id) == 1


async def test_concurrent_first_messages_from_one_number_create_one_customer(gql, shop):
    tenant, _, _, key = shop

    results = await asyncio.gather(
        *(
            inbound(gql, key, channel="SMS", **{"from": "11 96666-5555"}, body=f"m{i}", channelMessageId=f"sms-{i}")
            for i in range(6)
        )
    )

    assert len({r["customer"]["id"] for r in results}) == 1
    assert await count_customers(tenant.id) == 1
    assert await fetchval(Sql("SELECT count(*) FROM message WHERE tenant_id = %s", tenant.id)) == 6


async def test_an_email_finds_the_existing_customer(gql, factory, shop):
    _tenant, admin, _, key = shop
    existing = await gql.data(
        'mutation { createCustomer(input: {name: "Rita", email: "Rita@Example.com"}) '
        "{ ... on CreateCustomerSuccess { customer { id } } } }",
        as_=admin,
    )

    got = await inbound(gql, key, channel="EMAIL", **{"from": "rita@EXAMPLE.com"}, body="Pedido 123")

    assert got["customer"]["id"] == existing["createCustomer"]["customer"]["id"]
    assert got["customerCreated"] is False
    assert got["conversation"]["handle"] == "rita@example.com"


async def test_handles_without_a_contact_field_find_their_customer_by_conversation(gql, shop):
    _tenant, _, _, key = shop

    first = await inbound(gql, key, channel="INSTAGRAM", **{"from": "@joana.store"}, body="oi")
    second = await inbound(gql, key, channel="INSTAGRAM", **{"from": "@joana.store"}, body="?")

    assert first["customer"]["name"].startswith("Instagram contact ")  # a handle is contact data, not a name
    assert second["customer"]["id"] == first["customer"]["id"]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"channel": "WHATSAPP", "from": "not a phone", "body": "x"}, "from", "INVALID_PHONE"),
        ({"channel": "EMAIL", "from": "nobody@", "body": "x"}, "from", "INVALID_EMAIL"),
        ({"channel": "SMS", "from": "11 96666-5555", "body": "   "}, "body", "REQUIRED"),
    ],
)
async def test_bad_inbound_messages_are_refused(gql, shop, fields, field, code):
    tenant, _, _, key = shop
    before = await tenant_fingerprint(tenant.id)

    got = await inbound(gql, key, **fields)

    assert got["fields"] == [{"field": field, "code": code}]
    assert await tenant_fingerprint(tenant.id) == before


async def test_sellers_do_not_deliver_inbound_messages(gql, shop):
    _, _, seller, _ = shop

    body = await gql.post(INBOUND, {"i": {"channel": "SMS", "from": "11 96666-5555", "body": "x"}}, as_=seller)

    assert error_codes(body) == ["FORBIDDEN"]


async def test_replies_are_queued_and_count_as_contact(gql, shop):
    _, admin, _, key = shop
    got = await inbound(gql, key, channel="WHATSAPP", **{"from": "+55 11 95555-0000"}, body="Oi")
    conversation = got["conversation"]["id"]

    sent = await gql.data(REPLY, {"i": {"conversationId": conversation, "body": "Olá, como posso ajudar?"}}, as_=admin)
    after = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Conversation { status customer { "
        "lastContactedAt lastInteractionAt } messages { totalCount nodes { direction } } } } }",
        {"id": conversation},
        as_=admin,
    )

    assert sent["replyToConversation"]["sent"] == {
        "direction": "OUTBOUND",
        "status": "QUEUED",
        "author": {"email": admin.email},
    }
    node = after["node"]
    assert node["status"] == "OPEN"
    assert node["customer"]["lastContactedAt"] is not None
    assert node["messages"]["totalCount"] == 2
    assert [m["direction"] for m in node["messages"]["nodes"]] == ["OUTBOUND", "INBOUND"]


async def test_a_seller_cannot_reply_to_a_customer_they_may_not_see(gql, shop):
    tenant, _, seller, key = shop
    got = await inbound(gql, key, channel="SMS", **{"from": "+55 11 95555-0000"}, body="Oi")
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(REPLY, {"i": {"conversationId": got["conversation"]["id"], "body": "x"}}, as_=seller)

    assert data["replyToConversation"]["__typename"] == "NotFound"
    assert await tenant_fingerprint(tenant.id) == before


# --- starting conversations -------------------------------------------------------------------


@pytest.fixture
async def outreach(gql, factory, shop):
    tenant, admin, seller, _ = shop
    template = (
        await gql.data(
            TEMPLATE,
            {"i": {"name": "Welcome", "channel": "WHATSAPP", "body": "Olá {{firstName}}, temos {{offer}} para você!"}},
            as_=admin,
        )
    )["createMessageTemplate"]["template"]
    customers = [
        await factory.customer(
            tenant,
            name=f"Cliente {i} Silva",
            owner=seller,
            whatsapp=f"+5511970000{i:03d}",
            whatsapp_e164=f"+5511970000{i:03d}",
        )
        for i in range(11)
    ]
    return tenant, admin, seller, template, customers


async def test_start_conversation_needs_an_admin_to_enable_the_user(gql, outreach):
    tenant, admin, seller, template, customers = outreach
    variables = {"customerIds": [gid(customers[0])], "templateId": template["id"], "variables": {"offer": "10%"}}
    before = await tenant_fingerprint(tenant.id)

    refused = await gql.post(START, {"i": variables}, as_=seller)
    assert error_codes(refused) == ["FORBIDDEN"]
    assert await tenant_fingerprint(tenant.id) == before

    enable = "mutation($i: ConversationAccessInput!) { setConversationAccess(input: $i) { __typename } }"
    assert error_codes(await gql.post(enable, {"i": {"userId": seller.gid, "enabled": True}}, as_=seller)) == [
        "FORBIDDEN"
    ]
    await gql.data(enable, {"i": {"userId": seller.gid, "enabled": True}}, as_=admin)
    started = (await gql.data(START, {"i": variables}, as_=seller))["startConversation"]

    conversation = started["conversations"][0]
    assert conversation["handle"] == "+5511970000000"
    assert conversation["messages"]["nodes"] == [
        {
            "body": "Olá Cliente, temos 10% para você!",
            "status": "QUEUED",
            "direction": "OUTBOUND",
            "author": {"email": seller.email},
        }
    ]


async def test_start_conversation_to_ten_at_once_and_not_eleven(gql, outreach):
    from models import User

    tenant, _admin, seller, template, customers = outreach
    await User.filter(id=seller.id).update(can_start_conversations=True)
    forget_principals()  # written behind the API's back: read afresh now
    base = {"templateId": template["id"], "variables": {"offer": "frete grátis"}}

    ten = (await gql.data(START, {"i": {**base, "customerIds": [gid(c) for c in customers[:10]]}}, as_=seller))[
        "startConversation"
    ]
    before = await tenant_fingerprint(tenant.id)
    eleven = (await gql.data(START, {"i": {**base, "customerIds": [gid(c) for c in customers]}}, as_=seller))[
        "startConversation"
    ]

    assert len(ten["conversations"]) == 10
    assert eleven["__typename"] == "ValidationFailed"
    assert eleven["fields"][0]["code"] == "TOO_MANY"
    assert await tenant_fingerprint(tenant.id) == before
    contacted = await fetchval(
        Sql("SELECT count(*) FROM customer WHERE tenant_id = %s AND last_contacted_at IS NOT NULL", tenant.id)
    )
    assert contacted == 10


async def test_start_conversation_is_all_or_nothing(gql, factory, outreach):
    from models import User

    tenant, _admin, seller, template, customers = outreach
    await User.filter(id=seller.id).update(can_start_conversations=True)
    forget_principals()  # written behind the API's back: read afresh now
    no_whatsapp = await factory.customer(tenant, name="Sem Zap", owner=seller)
    before = await tenant_fingerprint(tenant.id)

    missing_number = await gql.data(
        START,
        {
            "i": {
                "templateId": template["id"],
                "variables": {"offer": "x"},
                "customerIds": [gid(customers[0]), gid(no_whatsapp)],
            }
        },
        as_=seller,
    )
    missing_variable = await gql.data(
        START, {"i": {"templateId": template["id"], "customerIds": [gid(customers[0])]}}, as_=seller
    )

    assert missing_number["startConversation"]["fields"][0]["field"] == "customerIds[1]"
    assert missing_variable["startConversation"]["fields"][0]["field"] == "variables"
    assert "offer" in missing_variable["startConversation"]["fields"][0]["message"]
    assert await tenant_fingerprint(tenant.id) == before
    assert await fetchval(Sql("SELECT count(*) FROM conversation WHERE tenant_id = %s", tenant.id)) == 0


async def test_templates_are_managed_by_admins(gql, shop):
    _, admin, seller, _ = shop

    refused = await gql.post(TEMPLATE, {"i": {"name": "T", "body": "b"}}, as_=seller)
    created = await gql.data(TEMPLATE, {"i": {"name": "T", "body": "Hi {{name}} {{ coupon }}"}}, as_=admin)
    taken = await gql.data(TEMPLATE, {"i": {"name": "T", "body": "other"}}, as_=admin)
    listed = await gql.data("{ messageTemplates { name placeholders } }", as_=seller)

    assert error_codes(refused) == ["FORBIDDEN"]
    assert created["createMessageTemplate"]["template"]["placeholders"] == ["coupon", "name"]
    assert taken["createMessageTemplate"]["fields"] == [{"field": "name", "code": "TAKEN"}]
    assert listed["messageTemplates"] == [{"name": "T", "placeholders": ["coupon", "name"]}]


async def test_the_conversation_handle_is_contact_data(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    seller = await factory.user(tenant, "seller")
    _, key = await factory.api_key(tenant, "admin")
    got = await inbound(gql, key, channel="WHATSAPP", **{"from": "+55 11 94444-0000"}, body="oi")
    await gql.data(
        "mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) { __typename } }",
        {"i": {"customerIds": [got["customer"]["id"]], "toSellerId": seller.gid}},
        as_=key,
    )

    data = await gql.data(
        "query($id: ID!) { customer(id: $id) { conversations { nodes { handle channel } } } }",
        {"id": got["customer"]["id"]},
        as_=seller,
    )

    assert data["customer"]["conversations"]["nodes"] == [{"handle": None, "channel": "WHATSAPP"}]
