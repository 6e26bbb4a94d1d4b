"""The error report as Excel in pt-BR opens it: BOM, the file's own delimiter (";" after an .xlsx),
no cell that runs as a formula, and fixed rows that upload again as first typed."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

from tests.imports.support import actions, csv_bytes, plan, start, uploaded
from tests.imports.test_file_formats import XLSX, _xlsx

ROWS = [
    ["Nome", "email", "telefone", "=obs"],
    ['=HYPERLINK("http://evil.example","clique")', "ana@@example", "", "-"],
    ["+cmd|' /C calc'!A0", "", "123", ""],
    ["-2+3", "bia@@example", "", ""],
    ["@SUM(A1:A2)", "caio@@example", "", ""],
    ["'=já escapado", "dora@@example", "", ""],
    ["Eva", "eva@example.com", "+55 11 98765-4321", "=1+1"],
]


async def _report(http: Any, who: Any, import_id: str) -> bytes:
    response = await http.get(f"/imports/{import_id}/errors.csv", headers={"Authorization": f"Bearer {who.token}"})
    assert response.status_code == 200, response.text
    return response.content


async def _run(gql: Any, who: Any, content: bytes, **kwargs: Any) -> dict[str, Any]:
    imp = await uploaded(gql, who, content, **kwargs)
    await plan(gql, who, imp["id"])
    return await start(gql, who, imp["id"])


async def test_the_report_neutralises_formulas_and_uploads_again_as_typed(http, gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    first = await _run(gql, admin, csv_bytes(ROWS, delimiter=";"))
    report = await _report(http, admin, first["id"])
    again = await _run(gql, admin, report, name="erros.csv")
    second = await _report(http, admin, again["id"])

    assert first["counts"]["created"] == 1 and first["counts"]["failed"] == 5
    assert report.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(io.StringIO(report.decode("utf-8-sig")), delimiter=";"))  # pt-BR Excel's separator
    assert lines[0] == ["Nome", "email", "telefone", "'=obs", "error"]
    assert [line[0] for line in lines[1:]] == [
        "'=HYPERLINK(\"http://evil.example\",\"clique\")", "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1:A2)",
        "'=já escapado",
    ]  # fmt: skip
    assert all(not cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)
    # Uploaded again unchanged, the same rows fail the same way and the report is the same file.
    assert again["headers"] == ["Nome", "email", "telefone", "=obs", "error"] and again["delimiter"] == ";"
    assert actions(again) == {n: "ERROR" for n in range(2, 7)}
    assert second == report


async def test_the_report_of_an_xlsx_is_separated_as_excel_in_pt_br_expects(http, gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    rows = [["Nome", "E-mail"], ["Conceição", "c@@x"], ["Ok", "ok@example.com"]]

    done = await _run(gql, admin, _xlsx(rows), name="base.xlsx", content_type=XLSX)
    report = (await _report(http, admin, done["id"])).decode("utf-8-sig")

    assert report.splitlines()[:2] == ["Nome;E-mail;error", report.splitlines()[1]]
    assert report.splitlines()[1].startswith("Conceição;c@@x;E-mail: ")


async def test_the_report_lists_every_failed_row_past_a_page(http, gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    rows = [["nome", "email"], *([f"Cliente {i}", f"c{i}@@x"] for i in range(1_050)), ["Ok", "ok@example.com"]]

    done = await _run(gql, admin, csv_bytes(rows, delimiter="\t"))
    report = (await _report(http, admin, done["id"])).decode("utf-8-sig")

    lines = list(csv.reader(io.StringIO(report), delimiter="\t"))
    assert done["counts"]["failed"] == 1_050
    assert [line[:2] for line in lines[1:]] == rows[1:-1] and all(line[2] for line in lines[1:])
