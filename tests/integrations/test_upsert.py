"""upsertCustomer: by external id, then by email / phone / WhatsApp, else created; race-free."""

from __future__ import annotations

import asyncio
from typing import Any

from models.db import fetchval
from models.sql import Sql
from tests.factories import gid

UPSERT = """
mutation($input: UpsertCustomerInput!) {
  upsertCustomer(input: $input) {
    __typename
    ... on CustomerUpserted { created customer { id name email phone originChannel externalIds { source id } } }
    ... on ValidationFailed { fields { field code } }
    ... on DuplicateCustomer { message matches { fields customer { id } } }
  }
}
"""


async def upsert(gql: Any, caller: Any, **fields: Any) -> dict[str, Any]:
    if isinstance(caller, str):  # an API key
        body = await gql.post(UPSERT, {"input": fields}, headers={"X-Api-Key": caller})
        assert "errors" not in body, body
        return body["data"]["upsertCustomer"]
    return (await gql.data(UPSERT, {"input": fields}, as_=caller))["upsertCustomer"]


async def count_customers(tenant: Any) -> int:
    return int(await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s", tenant.id)))


async def test_the_first_upsert_creates_and_the_next_updates_by_external_id(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    shop = {"source": "Shopify", "id": "c-1"}

    first = await upsert(gql, admin, externalId=shop, name="Ana", email="ana@example.com")
    second = await upsert(gql, admin, externalId=shop, name="Ana Maria")

    assert first["created"] is True and second["created"] is False
    assert second["customer"]["id"] == first["customer"]["id"]
    assert second["customer"]["name"] == "Ana Maria" and second["customer"]["email"] == "ana@example.com"
    assert second["customer"]["externalIds"] == [{"source": "shopify", "id": "c-1"}]
    assert await count_customers(tenant) == 1


async def test_without_a_match_by_id_it_finds_the_customer_by_email_and_gives_it_the_id(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    known = (await upsert(gql, admin, name="Bia", email="Bia@Example.com"))["customer"]

    found = await upsert(gql, admin, externalId={"source": "erp", "id": "9"}, name="Bia S", email="bia@example.com")

    assert found["created"] is False and found["customer"]["id"] == known["id"]
    assert found["customer"]["externalIds"] == [{"source": "erp", "id": "9"}]
    assert await count_customers(tenant) == 1


async def test_a_phone_in_another_format_finds_the_same_customer(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    known = (await upsert(gql, admin, name="Caio", phone="(11) 98765-4321"))["customer"]

    found = await upsert(gql, admin, name="Caio R", phone="+55 11 98765 4321")

    assert found["created"] is False and found["customer"]["id"] == known["id"]
    assert found["customer"]["name"] == "Caio R"
    assert await count_customers(tenant) == 1


async def test_twenty_concurrent_upserts_of_one_external_id_make_one_customer(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    answers = await asyncio.gather(
        *(upsert(gql, admin, externalId={"source": "shopify", "id": "race"}, name=f"Racer {n}") for n in range(20))
    )

    assert {a["__typename"] for a in answers} == {"CustomerUpserted"}
    assert sum(a["created"] for a in answers) == 1
    assert len({a["customer"]["id"] for a in answers}) == 1
    assert await count_customers(tenant) == 1


async def test_twenty_concurrent_upserts_of_one_phone_make_one_customer(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    formats = ["11 91234-5678", "(11) 91234-5678", "+5511912345678", "011 91234 5678"]

    answers = await asyncio.gather(
        *(upsert(gql, admin, name=f"Racer {n}", phone=formats[n % len(formats)]) for n in range(20))
    )

    assert {a["__typename"] for a in answers} == {"CustomerUpserted"}, answers
    assert sum(a["created"] for a in answers) == 1
    assert len({a["customer"]["id"] for a in answers}) == 1
    assert await count_customers(tenant) == 1


async def test_a_match_the_caller_may_not_update_is_a_duplicate_and_nothing_changes(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    other = await factory.user(tenant, "seller")
    theirs = (
        await upsert(gql, admin, externalId={"source": "shop", "id": "x"}, name="Theirs", ownerId=gid("User", other.id))
    )["customer"]

    by_id = await upsert(gql, seller, externalId={"source": "shop", "id": "x"}, name="Mine now")

    assert by_id["__typename"] == "DuplicateCustomer"
    assert by_id["matches"] == [
        {"fields": ["EXTERNAL_ID"], "customer": None}
    ]  # held by a portfolio the seller cannot see
    name = await fetchval(Sql("SELECT name FROM customer WHERE id = %s", _pk(theirs)))
    assert name == "Theirs"
    assert await count_customers(tenant) == 1


def _pk(customer: dict[str, Any]) -> Any:
    from schema.node import from_global_id

    return from_global_id(customer["id"])[1]


async def test_creating_needs_a_name_and_a_valid_external_id(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    nameless = await upsert(gql, admin, externalId={"source": "shop", "id": "1"}, email="n@example.com")
    bad_id = await upsert(gql, admin, externalId={"source": "sh op", "id": "1"}, name="X")

    assert nameless == {"__typename": "ValidationFailed", "fields": [{"field": "name", "code": "REQUIRED"}]}
    assert bad_id == {"__typename": "ValidationFailed", "fields": [{"field": "externalId.0.source", "code": "INVALID"}]}
    assert await count_customers(tenant) == 0


async def test_an_api_key_upsert_creates_a_customer_from_the_api(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")

    made = await upsert(gql, key, externalId={"source": "shop", "id": "k"}, name="Via Key")

    assert made["created"] is True and made["customer"]["originChannel"] == "API"


async def test_upserts_are_in_the_history_as_creates_and_updates(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    shop = {"source": "shop", "id": "h"}
    made = (await upsert(gql, admin, externalId=shop, name="Hist"))["customer"]
    await upsert(gql, admin, externalId=shop, name="Hist 2")

    kinds = await fetchval(
        Sql("SELECT array_agg(kind ORDER BY created_at) FROM customer_event WHERE customer_id = %s", _pk(made))
    )
    assert kinds == ["created", "updated"]


TAGS_OF = "query($id: ID!) { customer(id: $id) { tags { name } } }"


async def test_tags_are_added_on_every_path_and_never_removed(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    shop = {"source": "shop", "id": "t"}

    async def tags_of(customer: dict[str, Any]) -> list[str]:
        data = await gql.data(TAGS_OF, {"id": customer["id"]}, as_=admin)
        return sorted(t["name"] for t in data["customer"]["tags"])

    made = (await upsert(gql, admin, externalId=shop, name="Tagged", email="t@example.com", tags=["Lead"]))["customer"]
    assert await tags_of(made) == ["Lead"]
    # By its external id: added to what it has.
    await upsert(gql, admin, externalId=shop, tags=["VIP", "lead"])
    assert await tags_of(made) == ["Lead", "VIP"]
    # By its email (no external id): also added.
    by_email = await upsert(gql, admin, email="t@example.com", tags=["Atacado"])
    assert by_email.get("created") is False, by_email
    assert await tags_of(made) == ["Atacado", "Lead", "VIP"]
    kinds = await fetchval(
        Sql("SELECT array_agg(kind ORDER BY created_at) FROM customer_event WHERE customer_id = %s", _pk(made))
    )
    assert kinds == ["created", "tags_changed", "tags_changed"]

    # A tag already held changes nothing; a bad one is refused before anything is written.
    await upsert(gql, admin, externalId=shop, tags=["VIP"])
    refused = await upsert(gql, admin, externalId=shop, name="Renamed", tags=["x" * 200])
    assert refused["__typename"] == "ValidationFailed" and refused["fields"][0]["field"].startswith("tags")
    assert (await gql.data(TAGS_OF, {"id": made["id"]}, as_=admin))["customer"]["tags"]
    assert await fetchval(Sql("SELECT name FROM customer WHERE id = %s", _pk(made))) == "Tagged"
    assert await fetchval(Sql("SELECT count(*) FROM customer_event WHERE customer_id = %s", _pk(made))) == 3
