"""The plain HTTP routes of imports: templates, POST /imports (raw and multipart), the error report."""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import json
from pathlib import Path
from typing import Any

from models.db import fetchval
from models.sql import Sql
from resolvers.imports.reading import open_table
from tests.imports.support import csv_bytes, plan, read, start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _auth(who: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {who if isinstance(who, str) else who.token}"}


async def _imports_of(tenant: Any) -> int:
    return int(await fetchval(Sql("SELECT count(*) FROM customer_import WHERE tenant_id = %s", tenant.id)))


def _code(response: Any) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_templates_carry_the_standard_columns_a_custom_field_and_one_example_row(http, factory, tmp_path):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.custom_field(tenant, "segmento", "text", label="Segmento")
    await factory.custom_field(tenant, "antigo", "text", label="Antigo", archived=True)

    for kind in ("csv", "xlsx"):
        response = await http.get(f"/imports/template.{kind}", headers=_auth(admin))

        assert response.status_code == 200, response.text
        disposition = response.headers["content-disposition"]
        assert disposition == f'attachment; filename="modelo-importacao-{tenant.slug}.{kind}"'
        path = Path(tmp_path, f"template.{kind}")
        await asyncio.to_thread(path.write_bytes, response.content)
        table = await asyncio.to_thread(open_table, path, filename=path.name)
        assert table.headers == ["nome", "email", "telefone", "whatsapp", "tag1", "tag2", "Segmento"]
        rows = list(table.rows())
        assert len(rows) == 1 and rows[0][1][0] == "Maria Aparecida da Silva"
    assert response.headers["content-type"] == XLSX
    assert (tmp_path / "template.csv").read_bytes().startswith(codecs.BOM_UTF8)


async def test_templates_need_a_credential(http):
    response = await http.get("/imports/template.csv")

    assert response.status_code == 401 and _code(response) == "UNAUTHENTICATED"


async def test_a_raw_csv_body_creates_an_import_answered_as_graphql_shows_it(http, gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    content = csv_bytes(
        [["Nome", "Telefone", "Etiquetas"], ["José Conceição", "(11) 98765-4321", "vip"]], delimiter=";"
    )

    response = await http.post(
        "/imports?filename=clientes.csv&mode=upsert",
        content=content.decode().encode("cp1252"),
        headers={**_auth(admin), "Content-Type": "text/csv"},
    )

    assert response.status_code == 201, response.text
    created = response.json()["import"]
    assert created["fileName"] == "clientes.csv" and created["status"] == "UPLOADED" and created["mode"] == "UPSERT"
    assert created["headers"] == ["Nome", "Telefone", "Etiquetas"]
    assert created["encoding"] == "cp1252" and created["delimiter"] == ";"
    assert [(m["kind"], m["field"]) for m in created["suggestedMapping"]] == [
        ("FIELD", "name"),
        ("FIELD", "phone"),
        ("TAGS", None),
    ]
    assert created["mapping"] == created["suggestedMapping"]
    assert (await read(gql, admin, created["id"]))["number"] == created["number"]


async def test_a_multipart_upload_takes_the_mode_and_a_mapping(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    content = csv_bytes([["nome", "celular", "obs"], ["Ana", "11987654321", "x"]])

    response = await http.post(
        "/imports",
        files={"file": ("base.csv", content, "text/csv")},
        data={"mode": "create_only", "mapping": json.dumps({"celular": "whatsapp", "obs": "ignore"})},
        headers=_auth(admin),
    )

    assert response.status_code == 201, response.text
    created = response.json()["import"]
    assert created["mode"] == "CREATE_ONLY" and created["fileName"] == "base.csv"
    assert [(m["column"], m["kind"], m["field"]) for m in created["mapping"]] == [
        ("nome", "FIELD", "name"),
        ("celular", "FIELD", "whatsapp"),
        ("obs", "IGNORE", None),
    ]


async def test_refusals_are_typed_and_create_nothing(http, factory, monkeypatch, app):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    _, unbound_key = await factory.api_key(tenant, "seller")
    good = csv_bytes([["nome", "email"], ["Ana", "ana@example.com"]])

    async def post(body: bytes, content_type: str, who: Any = admin, query: str = "") -> Any:
        headers = {"Content-Type": content_type, **(_auth(who) if who else {})}
        return await http.post(f"/imports{query}", content=body, headers=headers)

    assert (await post(good, "text/csv", who=None)).status_code == 401
    assert (await post(good, "text/csv", who="not-a-token")).status_code == 401
    refused = await post(good, "text/csv", who=unbound_key)  # a seller's key acting for no one
    assert refused.status_code == 403 and _code(refused) == "FORBIDDEN"
    refused = await post(b'{"nome": "Ana"}', "application/json")
    assert refused.status_code == 415 and _code(refused) == "UNSUPPORTED_MEDIA_TYPE"
    refused = await post(b"%PDF-1.7 ...", "text/csv", query="?filename=x.csv")
    assert refused.status_code == 415 and refused.json()["errors"][0]["extensions"]["reason"] == "UNSUPPORTED_TYPE"
    refused = await post(b"", "text/csv")
    assert refused.status_code == 400 and refused.json()["errors"][0]["extensions"]["reason"] == "EMPTY_FILE"
    refused = await post(b"nome,email\r\n", "text/csv")
    assert refused.status_code == 400 and refused.json()["errors"][0]["extensions"]["reason"] == "HEADER_ONLY"
    refused = await post(good, "text/csv", query="?mode=everything")
    assert refused.status_code == 400 and _code(refused) == "BAD_USER_INPUT"
    refused = await post(good, "text/csv", query="?mapping=" + json.dumps({"email": "custom:nope"}))
    assert refused.status_code == 400 and "not an active custom field" in refused.json()["errors"][0]["message"]
    # A seller imports into their own portfolio: no owner column.
    refused = await post(good, "text/csv", who=seller, query="?mapping=" + json.dumps({"email": "owner"}))
    assert refused.status_code == 400 and "own portfolio" in refused.json()["errors"][0]["message"]

    monkeypatch.setattr(app.state.imports, "max_bytes", 64)
    refused = await post(good * 10, "text/csv")
    assert refused.status_code == 413 and _code(refused) == "PAYLOAD_TOO_LARGE"

    assert await _imports_of(tenant) == 0


async def test_the_error_report_lists_the_failed_rows_as_uploaded_with_their_errors(http, gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    rows = [
        ["Nome", "E-mail", "Telefone", "Observação"],
        ["Ana Lima", "ana@example.com", "(11) 98765-4321", "ok"],
        ["Bruno Sá", "bruno@@example", "", "linha\ncom quebra"],
        ["Carla", "", "123", ""],
        ["Ana outra vez", "ANA@example.com", "", ""],
    ]
    response = await http.post(
        "/imports?filename=base.csv",
        content=csv_bytes(rows, delimiter=";"),
        headers={**_auth(admin), "Content-Type": "text/csv"},
    )
    created = response.json()["import"]
    await plan(gql, admin, created["id"])
    finished = await start(gql, admin, created["id"])
    assert finished["status"] == "FINISHED" and finished["counts"]["created"] == 1

    report = await http.get(f"/imports/{created['id']}/errors.csv", headers=_auth(admin))

    assert report.status_code == 200, report.text
    assert report.headers["content-type"].startswith("text/csv")
    assert f"importacao-{created['number']}-erros.csv" in report.headers["content-disposition"]
    assert report.content.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))  # as uploaded
    assert lines[0] == ["Nome", "E-mail", "Telefone", "Observação", "error"]
    assert [line[:4] for line in lines[1:]] == [rows[2], rows[3], rows[4]]
    assert "E-mail" in lines[1][4] and "Telefone" in lines[2][4] and "row 2" in lines[3][4]

    # Fixed and sent again, the error column is left out of the mapping.
    again = await http.post(
        "/imports?filename=fixed.csv", content=report.content, headers={**_auth(admin), "Content-Type": "text/csv"}
    )
    assert again.status_code == 201
    assert [m["kind"] for m in again.json()["import"]["mapping"]][-1] == "IGNORE"


async def test_a_sellers_import_and_its_report_are_theirs_alone(http, gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    other = await factory.user(tenant, "seller")
    stranger = await factory.user(await factory.tenant(), "admin")
    content = csv_bytes([["nome", "email"], ["Dora", "dora@example.com"], ["Edu", "nao-e-email"]])
    response = await http.post("/imports", files={"file": ("s.csv", content, "text/csv")}, headers=_auth(seller))
    assert response.status_code == 201, response.text
    import_id = response.json()["import"]["id"]
    await plan(gql, seller, import_id)
    finished = await start(gql, seller, import_id)
    assert finished["counts"]["created"] == 1 and finished["counts"]["failed"] == 1
    owner = await fetchval(
        Sql("SELECT owner_id FROM customer WHERE tenant_id = %s AND email = 'dora@example.com'", tenant.id)
    )
    assert owner == seller.id  # owner forced to the importing seller

    mine = await http.get(f"/imports/{import_id}/errors.csv", headers=_auth(seller))
    assert mine.status_code == 200 and "nao-e-email" in mine.text
    for who in (other, stranger):
        hidden = await http.get(f"/imports/{import_id}/errors.csv", headers=_auth(who))
        assert hidden.status_code == 404 and _code(hidden) == "NOT_FOUND"
    assert (await http.get("/imports/garbage/errors.csv", headers=_auth(seller))).status_code == 404
