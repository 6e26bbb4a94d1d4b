"""Files as people produce them, uploaded end to end: encodings, delimiters, BOM, .xlsx, the
template itself, and the words spreadsheets use for yes and no."""

from __future__ import annotations

import codecs
import io
from typing import Any

import pytest
from openpyxl import Workbook

from models import CustomFieldType
from models.db import fetch
from models.sql import Sql
from tests.imports.support import actions, csv_bytes, plan, start, uploaded

ROWS = [["Nome", "E-mail", "Cidade"], ["José Conceição", "jose@example.com", "São Paulo"], ["Ângela", "", "Niterói"]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def _names_and_cities(tenant: Any) -> list[tuple[str, str]]:
    found = await fetch(Sql("SELECT name, address_city FROM customer WHERE tenant_id = %s ORDER BY name", tenant.id))
    return [(r["name"], r["address_city"]) for r in found]


@pytest.mark.parametrize(
    ("content", "name", "content_type", "encoding", "delimiter"),
    [
        (csv_bytes(ROWS, delimiter=";", encoding="cp1252"), "excel-ptbr.csv", "text/csv", "cp1252", ";"),
        (codecs.BOM_UTF8 + csv_bytes(ROWS), "bom.csv", "text/csv", "utf-8-sig", ","),
        (csv_bytes(ROWS, delimiter=";"), "semicolon.csv", "text/csv", "utf-8", ";"),
        (csv_bytes(ROWS, delimiter="\t"), "tabs.tsv", "text/tab-separated-values", "utf-8", "\t"),
        (_xlsx(ROWS), "planilha.xlsx", XLSX, None, None),
    ],
    ids=["cp1252-semicolon", "utf8-bom", "semicolon", "tab", "xlsx"],
)
async def test_each_encoding_delimiter_and_xlsx_imports_with_its_accents(
    gql, factory, content, name, content_type, encoding, delimiter
):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    imp = await uploaded(gql, admin, content, name=name, content_type=content_type)
    await plan(gql, admin, imp["id"])
    done = await start(gql, admin, imp["id"])

    assert imp["headers"] == ["Nome", "E-mail", "Cidade"]  # no BOM left on the first header
    assert (imp["encoding"], imp["delimiter"]) == (encoding, delimiter)
    assert imp["format"] == ("xlsx" if encoding is None else "csv")
    assert [(m["kind"], m["field"]) for m in imp["mapping"]] == [
        ("FIELD", "name"), ("FIELD", "email"), ("FIELD", "city"),
    ]  # fmt: skip
    assert done["status"] == "FINISHED" and done["counts"]["created"] == 2
    assert await _names_and_cities(tenant) == [("José Conceição", "São Paulo"), ("Ângela", "Niterói")]


async def test_the_template_as_downloaded_imports_without_an_error(http, gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    for key, type_ in [("vip", CustomFieldType.BOOLEAN), ("desde", CustomFieldType.DATE)]:
        await factory.custom_field(tenant, key, type_)
    await factory.custom_field(tenant, "plano", CustomFieldType.SELECT, options=["Ouro", "Prata"])

    for kind, content_type in (("csv", "text/csv"), ("xlsx", XLSX)):
        template = await http.get(f"/imports/template.{kind}", headers={"Authorization": f"Bearer {admin.token}"})
        imp = await uploaded(gql, admin, template.content, name=f"modelo.{kind}", content_type=content_type)
        planned = await plan(gql, admin, imp["id"])

        assert actions(planned) == {2: "CREATE"}, planned["rows"]
        assert [m["kind"] for m in imp["mapping"]] == ["FIELD"] * 4 + ["TAGS"] * 2 + ["CUSTOM_FIELD"] * 3


BOOLEAN_WORDS = [
    ("sim", True), ("Não", False), ("nao", False), ("SÍ", True), ("si", True), ("yes", True), ("No", False),
    ("1", True), ("0", False), ("x", True), ("verdadeiro", True), ("falso", False), ("true", True),
    ("FALSE", False), ("verdadero", True),
]  # fmt: skip


async def test_a_boolean_custom_field_takes_the_words_spreadsheets_use(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.custom_field(tenant, "ativo", CustomFieldType.BOOLEAN, label="Ativo")
    rows = [["nome", "ativo"], *([f"Cliente {i:02}", word] for i, (word, _) in enumerate(BOOLEAN_WORDS))]
    rows.append(["Cliente talvez", "talvez"])

    imp = await uploaded(gql, admin, csv_bytes(rows))
    planned = await plan(gql, admin, imp["id"])
    await start(gql, admin, imp["id"])

    assert planned["counts"]["failed"] == 1, [r for r in planned["rows"]["nodes"] if r["errors"]]
    (failed,) = [r for r in planned["rows"]["nodes"] if r["action"] == "ERROR"]
    assert failed["rowNumber"] == len(rows) and failed["errors"][0]["column"] == "ativo"
    stored = await fetch(Sql("SELECT name, custom_fields FROM customer WHERE tenant_id = %s", tenant.id))
    got = {r["name"]: r["custom_fields"]["ativo"] for r in stored}
    assert got == {f"Cliente {i:02}": value for i, (_, value) in enumerate(BOOLEAN_WORDS)}


@pytest.mark.parametrize(
    "headers",
    [
        ["NOME COMPLETO", "E-mail", "Telefone", "Etiquetas", "Razão Social?"],
        ["Nombre", "Correo electrónico", "Teléfono", "Etiqueta", "Notas"],
        ["Full name", "Email Address", "Phone number", "Tags", "Notes"],
    ],
    ids=["pt", "es", "en"],
)
async def test_headers_in_portuguese_spanish_or_english_map_and_import(gql, factory, headers):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    content = csv_bytes([headers, ["Íris Peña", "iris@example.com", "(11) 98765-4321", "vip; nova", "x"]])

    imp = await uploaded(gql, admin, content)
    done = await start(gql, admin, imp["id"])

    assert [(m["kind"], m["field"]) for m in imp["mapping"]][:4] == [
        ("FIELD", "name"), ("FIELD", "email"), ("FIELD", "phone"), ("TAGS", None),
    ]  # fmt: skip
    assert done["counts"]["created"] == 1
    (row,) = await fetch(Sql("SELECT name, email, phone_e164 FROM customer WHERE tenant_id = %s", tenant.id))
    assert tuple(row.values()) == ("Íris Peña", "iris@example.com", "+5511987654321")
