"""Upload, suggested mapping, mapping edit, dry run with every category, run, history."""

from __future__ import annotations

from models.db import fetch, fetchval
from models.sql import Sql
from tests.helpers import count_customers
from tests.imports.support import (
    UPDATE_MAPPING,
    act,
    actions,
    mapping_input,
    plan,
    read,
    start,
    upload,
    uploaded,
)
from tests.queries import CREATE

HISTORY = """query($id: ID!) { customer(id: $id) { name tags { name } timeline(first: 10, kinds: [HISTORY]) {
  nodes { ... on HistoryEntry { kind actorName details } } } } }"""


def _file(*rows: list[str]) -> list[list[str]]:
    return [["nome", "E-mail", "Telefone", "etiqueta", "observação"], *rows]


async def test_upload_plan_and_run_create_customers_from_import_n(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    other = await factory.user(tenant, "seller")
    held = await gql.data(CREATE, {"input": {"name": "Já Existe", "email": "ja@existe.com.br"}}, as_=admin)
    assert held["createCustomer"]["__typename"] == "CreateCustomerSuccess"
    from tests.imports.support import csv_bytes

    content = csv_bytes(
        _file(
            ["Ana Lima", "ana@example.com", "(11) 98765-4321", "vip, novo", "x"],
            ["Bruno", "bruno@example", "", "", ""],  # bad email
            ["Ana de novo", "ANA@example.com", "", "", ""],  # same email as row 2
            ["Já Existe", "ja@existe.com.br", "", "", ""],  # matches a customer: create-only refuses
            ["Carla", "", "11 3333-4444", "", ""],
        ),
        delimiter=";",
    )

    imp = await uploaded(gql, admin, content)

    assert imp["status"] == "UPLOADED" and imp["number"] == 1 and imp["delimiter"] == ";"
    assert imp["headers"] == ["nome", "E-mail", "Telefone", "etiqueta", "observação"]
    suggested = [(m["kind"], m["field"]) for m in imp["suggestedMapping"]]
    assert suggested[:4] == [("FIELD", "name"), ("FIELD", "email"), ("FIELD", "phone"), ("TAGS", None)]
    assert suggested[4] == ("IGNORE", None)

    # The user moves the phone column to WhatsApp.
    mapping = mapping_input(imp)
    mapping[2] = {"kind": "FIELD", "field": "whatsapp"}
    edited = await act(gql, admin, UPDATE_MAPPING, id=imp["id"], mapping=mapping)
    assert edited["__typename"] == "ImportSuccess"
    assert edited["import"]["mapping"][2] == {"column": "Telefone", "kind": "FIELD", "field": "whatsapp"}

    planned = await plan(gql, admin, imp["id"])

    assert planned["counts"] == {
        "total": 5, "processed": 5, "created": 2, "updated": 0, "skipped": 0, "failed": 1, "conflicts": 1,
        "duplicatesInFile": 1,
    }  # fmt: skip
    assert actions(planned) == {2: "CREATE", 3: "ERROR", 4: "DUPLICATE_IN_FILE", 5: "CONFLICT", 6: "CREATE"}
    rows = {r["rowNumber"]: r for r in planned["rows"]["nodes"]}
    assert rows[3]["errors"][0]["column"] == "E-mail" and rows[3]["errors"][0]["code"] == "INVALID_EMAIL"
    assert rows[4]["errors"][0]["field"] == "email" and "row 2" in rows[4]["errors"][0]["message"]
    assert rows[5]["customer"]["name"] == "Já Existe"
    assert await count_customers(tenant.id) == 1  # a dry run writes no customer
    only_errors = await read(gql, admin, imp["id"], action="ERROR")
    assert [r["rowNumber"] for r in only_errors["rows"]["nodes"]] == [3]

    finished = await start(gql, admin, imp["id"])

    assert finished["status"] == "FINISHED"
    assert finished["counts"]["created"] == 2 and finished["counts"]["processed"] == 5
    created = {r["rowNumber"]: r["customer"] for r in finished["rows"]["nodes"] if r["action"] == "CREATE"}
    assert sorted(c["name"] for c in created.values()) == ["Ana Lima", "Carla"]
    history = (await gql.data(HISTORY, {"id": created[2]["id"]}, as_=admin))["customer"]
    assert sorted(t["name"] for t in history["tags"]) == ["novo", "vip"]
    entry = history["timeline"]["nodes"][0]
    assert entry["kind"] == "CREATED" and entry["details"]["import"]["number"] == 1
    assert entry["details"]["import"]["id"] == imp["id"]
    whatsapp = await fetchval(
        Sql("SELECT whatsapp_e164 FROM customer WHERE tenant_id = %s AND name = 'Ana Lima'", tenant.id)
    )
    assert whatsapp == "+5511987654321"
    origin = await fetch(
        Sql("SELECT DISTINCT origin_channel FROM customer WHERE tenant_id = %s AND name <> 'Já Existe'", tenant.id)
    )
    assert [r["origin_channel"] for r in origin] == ["import"]
    # The seller of the same company sees no import of someone else.
    assert await read(gql, other, imp["id"]) is None


async def test_a_second_import_is_number_two_and_a_bad_file_creates_nothing(gql, factory):
    from tests.imports.support import csv_bytes

    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    first = await uploaded(gql, admin, csv_bytes(_file(["A", "", "", "", ""])))

    empty = await upload(gql, admin, b"")
    second = await uploaded(gql, admin, csv_bytes(_file(["B", "", "", "", ""])))

    assert empty["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert empty["errors"][0]["extensions"]["reason"] == "EMPTY_FILE"
    assert (first["number"], second["number"]) == (1, 2)
    assert await fetchval(Sql("SELECT count(*) FROM customer_import WHERE tenant_id = %s", tenant.id)) == 2


async def test_uploads_have_their_own_size_limit_and_other_requests_keep_theirs(gql, factory, settings):
    from tests.imports.support import csv_bytes

    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    big = csv_bytes([["nome", "email"], *([f"Cliente {i}", f"c{i}@example.com"] for i in range(80_000))])
    assert settings.max_body_bytes < len(big) < settings.import_max_bytes

    imp = await uploaded(gql, admin, big)
    refused = await gql.http.post(
        "/graphql",
        json={"query": "{ me { role } }", "variables": {"pad": "x" * len(big)}},
        headers={"Authorization": f"Bearer {admin.token}"},
    )

    assert imp["status"] == "UPLOADED"
    chunks = await fetchval(Sql("SELECT count(*) FROM import_chunk WHERE tenant_id = %s", tenant.id))
    assert chunks == -(-len(big) // (1024 * 1024))
    assert refused.status_code == 413
