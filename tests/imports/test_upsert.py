"""Upsert: rows matching a customer by email or phone (any format, ninth digit or not) update it."""

from __future__ import annotations

import asyncpg

from models.db import fetch, fetchrow
from models.sql import Sql
from resolvers.contact import phone_key
from resolvers.imports import runner
from schema.node import parse_id
from server.database import asyncpg_params
from tests.helpers import count_customers
from tests.imports.support import actions, csv_bytes, plan, start, uploaded
from tests.queries import CREATE

HEADERS = ["name", "email", "phone", "city"]


async def _customer(gql, as_, **data):
    created = await gql.data(CREATE, {"input": data}, as_=as_)
    assert created["createCustomer"]["__typename"] == "CreateCustomerSuccess", created
    return created["createCustomer"]["customer"]


async def test_upsert_matches_by_email_and_by_phone_in_another_format_with_or_without_ninth_digit(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    by_email = await _customer(gql, admin, name="Ana", email="ana@example.com")
    by_phone = await _customer(gql, admin, name="Bruno", phone="+55 11 98765-4321")
    old_mobile = await _customer(gql, admin, name="Caio", phone="(21) 99876-5432")
    unchanged = await _customer(gql, admin, name="Dora", email="dora@example.com", address={"city": "Recife"})
    content = csv_bytes(
        [
            HEADERS,
            ["Ana Souza", "ANA@Example.com", "", ""],  # email, other case
            ["Bruno", "", "11987654321", "Santos"],  # phone written without punctuation
            ["Caio", "", "(21) 9876-5432", "Niterói"],  # the same mobile without its ninth digit
            ["Dora", "dora@example.com", "", "Recife"],  # nothing changes
            ["Eva", "eva@example.com", "", ""],
        ]
    )
    imp = await uploaded(gql, admin, content)

    planned = await plan(gql, admin, imp["id"], mode="UPSERT")
    create_only = await plan(gql, admin, imp["id"], mode="CREATE_ONLY")
    done = await start(gql, admin, imp["id"], mode="UPSERT")

    assert actions(planned) == {2: "UPDATE", 3: "UPDATE", 4: "UPDATE", 5: "SKIP", 6: "CREATE"}
    assert actions(create_only) == {2: "CONFLICT", 3: "CONFLICT", 4: "CONFLICT", 5: "CONFLICT", 6: "CREATE"}
    assert done["status"] == "FINISHED" and done["mode"] == "UPSERT"
    assert actions(done) == actions(planned)
    rows = await fetch(
        Sql("SELECT name, address_city, version FROM customer WHERE tenant_id = %s ORDER BY name", tenant.id)
    )
    assert [(r["name"], r["address_city"]) for r in rows] == [
        ("Ana Souza", None), ("Bruno", "Santos"), ("Caio", "Niterói"), ("Dora", "Recife"), ("Eva", None),
    ]  # fmt: skip
    assert {r["name"]: r["version"] for r in rows}["Dora"] == 1  # skipped: not even touched
    matched = {r["rowNumber"]: r["customer"]["id"] for r in done["rows"]["nodes"] if r["customer"]}
    assert matched[2] == by_email["id"] and matched[3] == by_phone["id"] and matched[4] == old_mobile["id"]
    assert matched[5] == unchanged["id"]
    assert await count_customers(tenant.id) == 5


async def test_a_customer_of_another_portfolio_is_a_conflict_that_reveals_nothing(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller, other = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    await _customer(gql, other, name="Segredo", email="segredo@example.com")
    imp = await uploaded(gql, seller, csv_bytes([HEADERS, ["Outro Nome", "segredo@example.com", "", ""]]))

    planned = await plan(gql, seller, imp["id"], mode="UPSERT")
    done = await start(gql, seller, imp["id"], mode="UPSERT")

    for found in (planned, done):
        (row,) = found["rows"]["nodes"]
        assert row["action"] == "CONFLICT" and row["customer"] is None
        assert "another portfolio" in row["errors"][0]["message"]
        assert "Segredo" not in str(found)
    names = await fetch(Sql("SELECT name FROM customer WHERE tenant_id = %s", tenant.id))
    assert [r["name"] for r in names] == ["Segredo"]
    assert admin  # the admin would see it; the seller is told only that it exists


async def test_two_rows_reaching_one_customer_by_different_contacts_update_it_once(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await _customer(gql, admin, name="Ana", email="ana@example.com", phone="11 98765-4321")
    content = csv_bytes([HEADERS, ["Ana A", "ana@example.com", "", ""], ["Ana B", "", "+5511987654321", ""]])
    imp = await uploaded(gql, admin, content)

    done = await start(gql, admin, imp["id"], mode="UPSERT")

    assert actions(done) == {2: "UPDATE", 3: "DUPLICATE_IN_FILE"}
    names = await fetch(Sql("SELECT name FROM customer WHERE tenant_id = %s", tenant.id))
    assert [r["name"] for r in names] == ["Ana A"]


async def test_an_update_whose_new_phone_another_writer_takes_meanwhile_is_a_conflict(
    gql, factory, database_url, monkeypatch
):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    ana = await _customer(gql, admin, name="Ana", email="ana@example.com")
    caio = await _customer(gql, admin, name="Caio", email="caio@example.com")
    content = csv_bytes([HEADERS, ["Ana", "ana@example.com", "(11) 98765-4321", "Santos"], ["Bia", "", "", ""]])
    imp = await uploaded(gql, admin, content)
    decided = runner.decide

    async def racing(ctx, batch, seen, *, lock):
        out = await decided(ctx, batch, seen, lock=lock)
        if lock:  # another writer gives Caio that phone and commits while the batch is being written
            conn = await asyncpg.connect(**asyncpg_params(database_url))
            try:
                await conn.execute(
                    "INSERT INTO customer_contact_key (tenant_id, customer_id, kind, value) "
                    "VALUES ($1, $2, 'phone', $3)",
                    tenant.id,
                    parse_id(caio["id"], "Customer"),
                    phone_key("+5511987654321"),
                )
            finally:
                await conn.close()
        return out

    monkeypatch.setattr(runner, "decide", racing)
    done = await start(gql, admin, imp["id"], mode="UPSERT")

    assert actions(done) == {2: "CONFLICT", 3: "CREATE"}
    row = await fetchrow(
        Sql("SELECT phone, address_city, version FROM customer WHERE id = %s", parse_id(ana["id"], "Customer"))
    )
    assert dict(row) == {"phone": None, "address_city": None, "version": 1}
    keys = await fetch(
        Sql("SELECT kind FROM customer_contact_key WHERE customer_id = %s", parse_id(ana["id"], "Customer"))
    )
    assert [r["kind"] for r in keys] == ["email"]
    assert await count_customers(tenant.id) == 3
