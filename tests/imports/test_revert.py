"""Reverting an import: its customers go, its updates are undone, except what was used or edited since."""

from __future__ import annotations

from models.db import fetch
from models.sql import Sql
from resolvers.jobs.testing import run_pending_jobs
from tests.imports.support import REVERT, act, csv_bytes, read, start, uploaded
from tests.queries import CREATE, UPDATE

NOTE = """mutation($input: AddNoteInput!) { addNote(input: $input) { __typename } }"""


async def _customer(gql, as_, **data):
    created = await gql.data(CREATE, {"input": data}, as_=as_)
    return created["createCustomer"]["customer"]


async def test_revert_removes_created_and_restores_updated_customers_but_keeps_later_work(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    restored = await _customer(gql, admin, name="Ana", email="ana@example.com", tags=["antiga"])
    edited = await _customer(gql, admin, name="Bia", email="bia@example.com")
    content = csv_bytes(
        [
            ["nome", "email", "etiqueta"],
            ["Ana Nova", "ana@example.com", "nova"],
            ["Bia Nova", "bia@example.com", ""],
            ["Caio", "caio@example.com", ""],
            ["Duda", "duda@example.com", ""],
        ]
    )
    imp = await uploaded(gql, admin, content)
    done = await start(gql, admin, imp["id"], mode="UPSERT")
    assert done["counts"]["updated"] == 2 and done["counts"]["created"] == 2
    created = {r["rowNumber"]: r["customer"]["id"] for r in done["rows"]["nodes"]}
    # Since the import: Bia was edited by hand, Duda got a note.
    current = await gql.data("query($id: ID!) { customer(id: $id) { version } }", {"id": edited["id"]}, as_=admin)
    await gql.data(
        UPDATE,
        {"input": {"id": edited["id"], "tradeName": "Loja", "expectedVersion": current["customer"]["version"]}},
        as_=admin,
    )
    noted = await gql.data(NOTE, {"input": {"customerId": created[5], "body": "ligar amanhã"}}, as_=admin)
    assert noted["addNote"]["__typename"] == "NoteSuccess", noted

    queued = await act(gql, admin, REVERT, id=imp["id"])
    await run_pending_jobs()
    reverted = await read(gql, admin, imp["id"])

    assert queued["__typename"] == "ImportSuccess"
    assert reverted["status"] == "REVERTED"
    report = reverted["revertReport"]
    assert (report["deleted"], report["restored"]) == (1, 1)
    assert sorted((k["rowNumber"], k["reason"]) for k in report["kept"]) == [(3, "EDITED_SINCE"), (5, "HAS_ACTIVITY")]
    rows = await fetch(Sql("SELECT name, trade_name FROM customer WHERE tenant_id = %s ORDER BY name", tenant.id))
    assert [(r["name"], r["trade_name"]) for r in rows] == [("Ana", None), ("Bia Nova", "Loja"), ("Duda", None)]
    tags = await gql.data(
        "query($id: ID!) { customer(id: $id) { tags { name } timeline(first: 1, kinds: [HISTORY]) "
        "{ nodes { ... on HistoryEntry { kind details } } } } }",
        {"id": restored["id"]},
        as_=admin,
    )
    assert [t["name"] for t in tags["customer"]["tags"]] == ["antiga"]
    entry = tags["customer"]["timeline"]["nodes"][0]
    assert entry["kind"] == "IMPORT_REVERTED" and entry["details"]["import"]["number"] == 1
    again = await act(gql, admin, REVERT, id=imp["id"])
    assert again["__typename"] == "ValidationFailed"
