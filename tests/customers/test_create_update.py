"""Creating and editing customers through the API."""

from __future__ import annotations

import asyncio

from tests.helpers import gid, tenant_fingerprint
from tests.queries import ADD_TAGS, CREATE, GET, REMOVE_TAGS, UPDATE


async def test_create_normalizes_contact_and_returns_the_customer(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    data = await gql.data(
        CREATE,
        {
            "input": {
                "name": "  João   Silva ",
                "tradeName": "Padaria do João",
                "email": "  Joao.Silva@Example.COM ",
                "phone": "(11) 99999-9999",
                "whatsapp": "+55 11 9 8888 7777",
                "document": "529.982.247-25",
                "address": {"street": "Rua A", "city": "São Paulo", "state": "SP", "country": "br"},
                "originChannel": "WHATSAPP",
                "tags": ["VIP", "vip", "Lead"],
            }
        },
        as_=admin,
    )

    result = data["createCustomer"]
    assert result["__typename"] == "CreateCustomerSuccess"
    customer = result["customer"]
    assert customer["name"] == "João Silva"
    assert customer["email"] == "Joao.Silva@Example.COM"  # kept as typed (trimmed)
    assert customer["phone"] == "(11) 99999-9999"
    assert customer["phoneE164"] == "+5511999999999"
    assert customer["whatsappE164"] == "+5511988887777"
    assert customer["document"] == "52998224725"
    assert customer["address"] == {"street": "Rua A", "city": "São Paulo", "state": "SP", "country": "BR"}
    assert customer["originChannel"] == "WHATSAPP"
    assert customer["status"] == "ACTIVE"
    assert customer["version"] == 1
    assert sorted(t["name"] for t in customer["tags"]) == ["Lead", "VIP"]
    assert customer["owner"] is None  # an admin's new customer is unassigned unless ownerId is given

    fetched = await gql.data(GET, {"id": customer["id"]}, as_=admin)
    assert fetched["customer"]["phoneE164"] == "+5511999999999"


async def test_a_sellers_new_customer_lands_in_their_portfolio(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")

    data = await gql.data(CREATE, {"input": {"name": "Maria"}}, as_=seller)

    assert data["createCustomer"]["customer"]["owner"]["id"] == seller.gid


async def test_a_seller_cannot_create_into_another_portfolio(gql, factory):
    tenant = await factory.tenant()
    seller, other = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    before = await tenant_fingerprint(tenant.id)

    body = await gql.post(CREATE, {"input": {"name": "Maria", "ownerId": other.gid}}, as_=seller)

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await tenant_fingerprint(tenant.id) == before


async def test_supervisor_assigns_a_seller_and_unknown_owner_is_refused(gql, factory):
    tenant = await factory.tenant()
    supervisor, seller = await factory.user(tenant, "supervisor"), await factory.user(tenant, "seller")
    elsewhere = await factory.user(await factory.tenant(), "seller")

    ok = await gql.data(CREATE, {"input": {"name": "Maria", "ownerId": seller.gid}}, as_=supervisor)
    refused = await gql.data(CREATE, {"input": {"name": "Maria", "ownerId": elsewhere.gid}}, as_=supervisor)

    assert ok["createCustomer"]["customer"]["owner"]["id"] == seller.gid
    assert refused["createCustomer"]["__typename"] == "ValidationFailed"
    assert refused["createCustomer"]["fields"][0] == {
        "field": "ownerId",
        "code": "UNKNOWN",
        "message": "is not an active user of this company",
    }


async def test_update_changes_only_the_given_fields_and_bumps_the_version(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    created = (
        await gql.data(
            CREATE, {"input": {"name": "Ana", "email": "ana@example.com", "phone": "11 3333-4444"}}, as_=admin
        )
    )["createCustomer"]["customer"]

    data = await gql.data(
        UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "tradeName": "Ana ME", "email": None}}, as_=admin
    )

    customer = data["updateCustomer"]["customer"]
    assert customer["tradeName"] == "Ana ME"
    assert customer["email"] is None  # sent as null: cleared
    assert customer["phoneE164"] == "+551133334444"  # not sent: untouched
    assert customer["version"] == 2


async def test_a_stale_version_gets_version_conflict_and_writes_nothing(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    created = (await gql.data(CREATE, {"input": {"name": "Ana"}}, as_=admin))["createCustomer"]["customer"]
    await gql.data(UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "name": "Ana B"}}, as_=admin)
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "name": "Ana C"}}, as_=admin)

    assert data["updateCustomer"] == {
        "__typename": "VersionConflict",
        "expectedVersion": 1,
        "currentVersion": 2,
        "message": data["updateCustomer"]["message"],
    }
    assert await tenant_fingerprint(tenant.id) == before
    assert (await gql.data(GET, {"id": created["id"]}, as_=admin))["customer"]["name"] == "Ana B"


async def test_concurrent_updates_with_the_same_version_let_exactly_one_win(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    created = (await gql.data(CREATE, {"input": {"name": "Ana"}}, as_=admin))["createCustomer"]["customer"]

    results = await asyncio.gather(
        *(
            gql.data(UPDATE, {"input": {"id": created["id"], "expectedVersion": 1, "name": f"Ana {i}"}}, as_=admin)
            for i in range(8)
        )
    )

    kinds = sorted(r["updateCustomer"]["__typename"] for r in results)
    assert kinds == ["UpdateCustomerSuccess"] + ["VersionConflict"] * 7
    final = (await gql.data(GET, {"id": created["id"]}, as_=admin))["customer"]
    assert final["version"] == 2


async def test_add_and_remove_tags(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    created = await gql.data(CREATE, {"input": {"name": "Ana", "tags": ["Lead"]}}, as_=seller)
    cid = created["createCustomer"]["customer"]["id"]

    added = await gql.data(ADD_TAGS, {"input": {"customerId": cid, "tags": ["VIP", " vip ", "Atacado"]}}, as_=seller)
    removed = await gql.data(REMOVE_TAGS, {"input": {"customerId": cid, "tags": ["LEAD"]}}, as_=seller)

    assert sorted(t["name"] for t in added["addTags"]["customer"]["tags"]) == ["Atacado", "Lead", "VIP"]
    assert sorted(t["name"] for t in removed["removeTags"]["customer"]["tags"]) == ["Atacado", "VIP"]


async def test_concurrent_tagging_creates_each_tag_once(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    ids = [await factory.customer(tenant) for _ in range(10)]

    await asyncio.gather(
        *(gql.data(ADD_TAGS, {"input": {"customerId": gid(pk), "tags": ["Black Friday"]}}, as_=admin) for pk in ids)
    )

    listing = await gql.data("{ customers(first: 20) { nodes { tags { id name } } } }", as_=admin)
    tag_ids = {t["id"] for node in listing["customers"]["nodes"] for t in node["tags"]}
    assert len(tag_ids) == 1
