"""Channel handles are normalized per channel: one Instagram account is one customer."""

from __future__ import annotations

import importlib

import pytest

from models import Channel
from models.db import execute, fetch
from models.sql import Sql
from resolvers.contact import InvalidContact
from resolvers.handles import normalize_handle
from tests.helpers import count_customers

INBOUND = """mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename
  ... on InboundMessageRecorded { customerCreated conversation { id handle } customer { id name } }
  ... on ValidationFailed { fields { field code } } } }"""


async def inbound(gql, key, channel, sender):
    data = await gql.data(INBOUND, {"i": {"channel": channel, "from": sender, "body": "oi"}}, as_=key)
    return data["recordInboundMessage"]


@pytest.mark.parametrize(
    ("raw", "stored"), [("@User", "user"), ("user", "user"), (" @joana.store_1 ", "joana.store_1")]
)
def test_instagram_usernames_are_lower_case_without_the_at(raw, stored):
    assert normalize_handle(Channel.INSTAGRAM, raw) == stored


@pytest.mark.parametrize("raw", ["@", "@@user", "joana store", "joana-store", "a" * 31, "josé"])
def test_what_is_not_an_instagram_username_is_refused(raw):
    with pytest.raises(InvalidContact):
        normalize_handle(Channel.INSTAGRAM, raw)


async def test_one_instagram_account_written_three_ways_is_one_customer(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")

    results = [await inbound(gql, key, "INSTAGRAM", sender) for sender in ("@User", "user", "@user")]

    assert {r["customer"]["id"] for r in results} == {results[0]["customer"]["id"]}
    assert {r["conversation"]["id"] for r in results} == {results[0]["conversation"]["id"]}
    assert results[0]["conversation"]["handle"] == "user"
    assert results[0]["customer"]["name"].startswith("Instagram contact ")  # a handle is contact data, never a name
    assert await count_customers(tenant.id) == 1


async def test_a_malformed_instagram_handle_is_a_typed_error(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")

    result = await inbound(gql, key, "INSTAGRAM", "joana store!")

    assert result == {"__typename": "ValidationFailed", "fields": [{"field": "from", "code": "INVALID"}]}
    assert await count_customers(tenant.id) == 0


async def test_webchat_visitor_ids_are_compared_exactly(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")

    a = await inbound(gql, key, "WEBCHAT", "visitor-AbC")
    b = await inbound(gql, key, "WEBCHAT", " visitor-AbC ")
    c = await inbound(gql, key, "WEBCHAT", "visitor-abc")

    assert a["customer"]["id"] == b["customer"]["id"] != c["customer"]["id"]


async def test_the_migration_normalizes_stored_instagram_handles(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")
    first = await inbound(gql, key, "INSTAGRAM", "@joana")
    await execute(Sql("UPDATE conversation SET handle = '@Joana' WHERE tenant_id = %s", tenant.id))

    migration = importlib.import_module("models.migrations.0009_instagram_handles_normalized")
    await execute(Sql(migration.Migration.operations[0].sql))

    rows = await fetch(Sql("SELECT handle FROM conversation WHERE tenant_id = %s", tenant.id))
    assert [r["handle"] for r in rows] == ["joana"]
    again = await inbound(gql, key, "INSTAGRAM", "JOANA")
    assert again["customer"]["id"] == first["customer"]["id"]


async def test_an_instagram_handle_finds_its_customer_in_any_spelling(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "admin")
    joana = (await inbound(gql, key, "INSTAGRAM", "@Joana.Store"))["customer"]["id"]
    await inbound(gql, key, "INSTAGRAM", "@joana.store2")
    search = "query($s: String!) { customers(search: $s, first: 10) { nodes { id } } }"

    for text in ("@joana.store", "@JOANA.STORE"):
        found = await gql.data(search, {"s": text}, as_=admin)
        assert [n["id"] for n in found["customers"]["nodes"]] == [joana], text
