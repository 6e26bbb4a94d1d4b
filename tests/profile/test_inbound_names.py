"""A customer created by an inbound message is never named after its sender's address."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from importlib import import_module

import pytest

from models import Channel
from models.db import execute, fetchrow
from models.sql import Sql
from resolvers.inbound_names import inbound_name, neutral_name

INBOUND = """mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename
  ... on InboundMessageRecorded { customerCreated customer { id name } conversation { handle } } } }"""
TRANSFER = "mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) { __typename } }"
PROFILE = """query($id: ID!) { customer(id: $id) { name tradeName whatsapp email
  conversations { nodes { handle } }
  timeline { nodes { ... on HistoryEntry { changes { field before after } } } } } }"""
SEARCH = "query($s: String) { customers(search: $s, portfolio: ALL) { totalCount nodes { name } } }"


def today() -> str:
    return neutral_name(Channel.WHATSAPP, datetime.now(UTC).date()).removeprefix("WhatsApp ")


@pytest.fixture
async def hidden_shop(factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    seller = await factory.user(tenant, "seller")
    _, key = await factory.api_key(tenant, "admin")
    return tenant, seller, key


async def _receive(gql, key, seller, **fields):
    got = (await gql.data(INBOUND, {"i": {"body": "oi", **fields}}, as_=key))["recordInboundMessage"]
    await gql.data(TRANSFER, {"i": {"customerIds": [got["customer"]["id"]], "toSellerId": seller.gid}}, as_=key)
    return got


@pytest.mark.parametrize(
    ("channel", "sender", "secrets", "label"),
    [
        ("WHATSAPP", "+55 11 97777-1234", ["97777", "77771234"], "WhatsApp"),
        ("SMS", "11 97777-4321", ["97777", "77774321"], "SMS"),
        ("EMAIL", "Lia.Secret@Example.com", ["lia.secret", "example.com"], "Email"),
        ("INSTAGRAM", "@lia.secret.store", ["lia.secret"], "Instagram"),
        ("WEBCHAT", "visitor-lia-secret", ["lia-secret"], "Webchat"),
    ],
)
async def test_a_nameless_sender_gets_a_neutral_name_that_hides_nothing(
    gql, hidden_shop, channel, sender, secrets, label
):
    _tenant, seller, key = hidden_shop

    got = await _receive(gql, key, seller, channel=channel, **{"from": sender})
    seen = await gql.data(PROFILE, {"id": got["customer"]["id"]}, as_=seller)
    found = await gql.data(SEARCH, {"s": label}, as_=seller)

    assert got["customerCreated"] is True
    assert got["customer"]["name"] == f"{label} {today()}"
    text = json.dumps(seen).lower() + json.dumps(found).lower()
    assert [s for s in secrets if s in text] == []
    assert seen["customer"]["conversations"]["nodes"] == [{"handle": None}]
    assert found["customers"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("channel", "sender", "given"),
    [
        ("WHATSAPP", "+55 11 97777-1234", "+55 11 97777-1234"),
        ("WHATSAPP", "+55 11 97777-1234", "5511977771234"),
        ("WHATSAPP", "+55 11 97777-1234", "lia@example.com"),
        ("EMAIL", "lia@example.com", "LIA@example.com"),
        ("INSTAGRAM", "@lia.store", "@lia.store"),
        ("INSTAGRAM", "@lia.store", "lia.store"),
    ],
)
async def test_a_name_that_is_an_address_is_not_taken_as_a_name(gql, hidden_shop, channel, sender, given):
    _tenant, seller, key = hidden_shop

    got = await _receive(gql, key, seller, channel=channel, customerName=given, **{"from": sender})

    assert got["customer"]["name"].endswith(today())


async def test_a_real_name_from_the_channel_is_kept(gql, hidden_shop):
    _tenant, seller, key = hidden_shop

    got = await _receive(
        gql, key, seller, channel="WHATSAPP", **{"from": "+55 11 97777-1234"}, customerName=" Lia  Souza "
    )

    assert got["customer"]["name"] == "Lia Souza"


def test_neutral_names_do_not_depend_on_the_locale():
    assert neutral_name(Channel.WHATSAPP, date(2026, 12, 4)) == "WhatsApp contact 4 Dec 2026"
    assert inbound_name("", Channel.EMAIL, "a@b.co", "BR", date(2027, 1, 31)) == "Email contact 31 Jan 2027"
    assert inbound_name("(21) 3765-4321", Channel.SMS, "+5511977771234", "BR", date(2027, 5, 1)).startswith("SMS")
    assert inbound_name("Loja 2000", Channel.SMS, "+5511977771234", "BR", date(2027, 5, 1)) == "Loja 2000"


async def test_the_migration_renames_customers_named_after_their_own_address(factory):
    rename = import_module("models.migrations.0011_neutral_inbound_names").RENAME
    tenant = await factory.tenant()
    at = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    by_phone = await factory.customer(
        tenant, name="+5511977771234", whatsapp="+5511977771234", whatsapp_e164="+5511977771234",
        origin_channel="whatsapp", created_at=at, trade_name="Loja", search_text="+5511977771234 loja",
    )  # fmt: skip
    by_email = await factory.customer(
        tenant, name="lia@example.com", email="Lia@Example.com", email_normalized="lia@example.com",
        origin_channel="email", created_at=at,
    )  # fmt: skip
    by_handle = await factory.customer(tenant, name="@lia.store", origin_channel="instagram", created_at=at)
    await execute(
        Sql(
            "INSERT INTO conversation (tenant_id, customer_id, channel, handle, last_message_at) "
            "VALUES (%s, %s, 'instagram', '@lia.store', now())",
            tenant.id,
            by_handle,
        )
    )
    # someone else's number, typed as a name by hand: not this customer's address, left alone
    kept = await factory.customer(tenant, name="+5511900000000", phone="+5511977770000", phone_e164="+5511977770000")
    await execute(
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, data) VALUES (%s, %s, 'created', %s::jsonb)",
            tenant.id,
            by_phone,
            json.dumps({"fields": {"name": [None, "+5511977771234"], "whatsapp": [None, "+5511977771234"]}}),
        )
    )

    await execute(Sql(rename))

    async def row(pk):
        return await fetchrow(Sql("SELECT name, search_text FROM customer WHERE id = %s", pk))

    assert dict(await row(by_phone)) == {
        "name": "WhatsApp contact 9 Mar 2026",
        "search_text": "whatsapp contact 9 mar 2026 loja",
    }
    assert (await row(by_email))["name"] == "Email contact 9 Mar 2026"
    assert (await row(by_handle))["name"] == "Instagram contact 9 Mar 2026"
    assert (await row(kept))["name"] == "+5511900000000"
    event = await fetchrow(Sql("SELECT data FROM customer_event WHERE customer_id = %s", by_phone))
    data = event["data"] if isinstance(event["data"], dict) else json.loads(event["data"])
    assert data["fields"]["name"] == [None, "WhatsApp contact 9 Mar 2026"]
