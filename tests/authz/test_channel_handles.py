"""A conversation's handle is contact data on every channel, Instagram and webchat included."""

from __future__ import annotations

import json

import pytest

INBOUND = """mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) {
  ... on InboundMessageRecorded { customer { id } conversation { id handle } } } }"""
TRANSFER = "mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) { __typename } }"
EVERY_PATH = """query($c: ID!, $v: ID!) {
  customer(id: $c) { name
    conversations { nodes { handle } }
    lastConversation { handle }
    timeline { nodes { ... on Conversation { handle } } } }
  node(id: $v) { ... on Conversation { handle } }
  customers(portfolio: ALL) { nodes { name conversations { nodes { handle } } } } }"""

SENDERS = [("INSTAGRAM", "@lia.secret.store"), ("WEBCHAT", "visitor-lia-secret-42"), ("WHATSAPP", "+5511977771234")]


async def world(gql, factory, channel, sender, hide):
    tenant = await factory.tenant(hide_contact_from_sellers=hide)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    _, key = await factory.api_key(tenant, "admin")
    got = (
        await gql.data(
            INBOUND, {"i": {"channel": channel, "from": sender, "body": "oi", "customerName": "Lia"}}, as_=key
        )
    )["recordInboundMessage"]
    await gql.data(TRANSFER, {"i": {"customerIds": [got["customer"]["id"]], "toSellerId": seller.gid}}, as_=key)
    return admin, seller, {"c": got["customer"]["id"], "v": got["conversation"]["id"]}


@pytest.mark.parametrize(("channel", "sender"), SENDERS)
async def test_handles_are_null_on_every_path_when_contact_data_is_hidden(gql, factory, channel, sender):
    admin, seller, ids = await world(gql, factory, channel, sender, hide=True)

    as_seller = await gql.data(EVERY_PATH, ids, as_=seller)
    as_admin = await gql.data(EVERY_PATH, ids, as_=admin)

    assert "secret" not in json.dumps(as_seller) and "77771234" not in json.dumps(as_seller)
    assert as_seller["node"] == {"handle": None}
    assert as_seller["customer"]["lastConversation"] == {"handle": None}
    assert as_admin["node"]["handle"] == as_admin["customer"]["lastConversation"]["handle"] != None  # noqa: E711


@pytest.mark.parametrize(("channel", "sender"), SENDERS)
async def test_handles_show_when_the_company_does_not_hide_contact_data(gql, factory, channel, sender):
    _, seller, ids = await world(gql, factory, channel, sender, hide=False)

    as_seller = await gql.data(EVERY_PATH, ids, as_=seller)

    assert as_seller["node"]["handle"] not in (None, "")
    assert as_seller["customer"]["conversations"]["nodes"] == [as_seller["node"]]
