"""Uploads built wrong, on purpose or by a broken client: each a typed 4xx error, nothing created."""

from __future__ import annotations

import json
from typing import Any

import pytest

from models.db import fetchval
from models.sql import Sql
from resolvers.jobs.testing import run_pending_jobs
from tests.imports.support import CREATE_IMPORT, PLAN, REVERT, START, act, csv_bytes, read, uploaded

GOOD = csv_bytes([["nome", "email"], ["Ana", "ana@example.com"]])
BOUNDARY = "----limite"


async def _imports_of(tenant: Any) -> int:
    return int(await fetchval(Sql("SELECT count(*) FROM customer_import WHERE tenant_id = %s", tenant.id)))


def _raw_multipart(parts: list[tuple[str, str | None, bytes]], *, close: bool = True) -> bytes:
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return body + (f"--{BOUNDARY}--\r\n".encode() if close else b"")


def _operations(variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": CREATE_IMPORT, "variables": variables or {"file": None}}).encode()


GRAPHQL_BODIES = {
    "not multipart at all": b"operations=1&map=2",
    "unterminated": _raw_multipart([("operations", None, _operations())], close=False)[:-10],
    "no map": _raw_multipart([("operations", None, _operations()), ("0", "a.csv", GOOD)]),
    "map not json": _raw_multipart([("operations", None, _operations()), ("map", None, b"{"), ("0", "a.csv", GOOD)]),
    "map a list": _raw_multipart([("operations", None, _operations()), ("map", None, b"[]"), ("0", "a.csv", GOOD)]),
    "map entry not a list": _raw_multipart(
        [("operations", None, _operations()), ("map", None, b'{"0": "variables.file"}'), ("0", "a.csv", GOOD)]
    ),
    "map to a missing part": _raw_multipart(
        [("operations", None, _operations()), ("map", None, b'{"1": ["variables.file"]}'), ("0", "a.csv", GOOD)]
    ),
    "map outside variables": _raw_multipart(
        [("operations", None, _operations()), ("map", None, b'{"0": ["query"]}'), ("0", "a.csv", GOOD)]
    ),
    "map into a list index": _raw_multipart(
        [("operations", None, _operations()), ("map", None, b'{"0": ["variables.file.x.0"]}'), ("0", "a.csv", GOOD)]
    ),
    "map to a number path": _raw_multipart(
        [
            ("operations", None, _operations({"file": None, "list": [1]})),
            ("map", None, b'{"0": ["variables.list.x"]}'),
            ("0", "a.csv", GOOD),
        ]
    ),
    "map past a list": _raw_multipart(
        [
            ("operations", None, _operations({"file": None, "list": [1]})),
            ("map", None, b'{"0": ["variables.list.5"]}'),
            ("0", "a.csv", GOOD),
        ]
    ),
    "operations not json": _raw_multipart([("operations", None, b"{"), ("map", None, b"{}")]),
    "operations a list": _raw_multipart([("operations", None, b"[1]"), ("map", None, b"{}")]),
    "file missing": _raw_multipart([("operations", None, _operations()), ("map", None, b"{}")]),
    "file is a text field": _raw_multipart(
        [("operations", None, _operations()), ("map", None, b'{"0": ["variables.file"]}'), ("0", None, GOOD)]
    ),
    "two files": _raw_multipart(
        [
            ("operations", None, _operations()),
            ("map", None, b'{"0": ["variables.file"], "1": ["variables.file"]}'),
            ("0", "a.csv", GOOD),
            ("1", "b.csv", GOOD),
        ]
    ),
    "mode unknown": _raw_multipart(
        [
            ("operations", None, _operations({"file": None, "mode": "EVERYTHING"})),
            ("map", None, b'{"0": ["variables.file"]}'),
            ("0", "a.csv", GOOD),
        ]
    ),
}


@pytest.mark.parametrize("body", GRAPHQL_BODIES.values(), ids=GRAPHQL_BODIES.keys())
async def test_a_malformed_graphql_multipart_request_is_refused_and_creates_nothing(http, factory, body):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    response = await http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )

    assert response.status_code in (200, 400), response.text
    errors = response.json()["errors"]
    assert errors and errors[0]["message"], errors
    assert await _imports_of(tenant) == 0


WIDE = 10_000
ROUTE_CASES = {
    "no file part": ([("mode", None, b"upsert")], {}),
    "file is a text field": ([("file", None, GOOD)], {}),
    "unterminated": (None, {}),
    "mode unknown": ([("file", "a.csv", GOOD), ("mode", None, b"everything")], {}),
    "mapping not json": ([("file", "a.csv", GOOD), ("mapping", None, b"{")], {}),
    "mapping a string": ([("file", "a.csv", GOOD), ("mapping", None, b'"email"')], {}),
    "mapping of numbers": ([("file", "a.csv", GOOD), ("mapping", None, b'{"email": 5}')], {}),
    "mapping list of numbers": ([("file", "a.csv", GOOD), ("mapping", None, b"[5, 6]")], {}),
    "mapping list too short": (
        [("file", "a.csv", GOOD), ("mapping", None, b'[{"kind": "FIELD", "field": "name"}]')],
        {},
    ),
    "mapping list bad kind": (
        [("file", "a.csv", GOOD), ("mapping", None, b'[{"kind": "NOPE"}, {"kind": "IGNORE"}]')],
        {},
    ),
    "mapping unknown column": ([("file", "a.csv", GOOD), ("mapping", None, b'{"telefone": "phone"}')], {}),
    "mapping unknown field": ([("file", "a.csv", GOOD), ("mapping", None, b'{"email": "shoe_size"}')], {}),
    "mapping null": ([("file", "a.csv", GOOD), ("mapping", None, b"null")], {}),
    "two files": ([("file", "a.csv", GOOD), ("file", "b.csv", GOOD)], {}),
}


@pytest.mark.parametrize("case", ROUTE_CASES.values(), ids=ROUTE_CASES.keys())
async def test_a_malformed_post_imports_is_refused_and_creates_nothing(http, factory, case):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    parts, _ = case
    body = _raw_multipart(parts) if parts is not None else _raw_multipart([("file", "a.csv", GOOD)], close=False)[:-5]

    response = await http.post(
        "/imports",
        content=body,
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )

    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "BAD_USER_INPUT")
    assert await _imports_of(tenant) == 0


HUGE = {
    "10,000 columns": csv_bytes([[f"coluna {i}" for i in range(WIDE)], ["x"] * WIDE]),
    "a header of 1 MB": csv_bytes([["nome", "h" * 1_000_000], ["Ana", "x"]]),
    "a cell of 1 MB": csv_bytes([["nome", "obs"], ["Ana", "x" * 1_000_000]]),
    "an unclosed quote": b'nome,email\r\n"Ana,ana@example.com\r\n' + b"x" * 200_000,
}


@pytest.mark.parametrize("content", HUGE.values(), ids=HUGE.keys())
async def test_oversized_headers_rows_and_cells_are_typed_errors(http, factory, content):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    response = await http.post(
        "/imports?filename=grande.csv",
        content=content,
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "text/csv"},
    )

    assert response.status_code == 400, response.text[:500]
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await _imports_of(tenant) == 0


@pytest.mark.parametrize(
    "late",
    [["Zé", "x" * 1_000_000], ['"Zé', "aberto"]],
    ids=["a cell of 1 MB", "an unclosed quote"],
)
async def test_a_file_damaged_past_its_first_rows_fails_its_dry_run_and_run_with_a_message(gql, factory, late):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    rows = [["nome", "obs"], *([f"Cliente {i}", "ok"] for i in range(600))]
    content = csv_bytes(rows) + ",".join(late).encode() + b"\r\nMais,um\r\n"
    imp = await uploaded(gql, admin, content)

    planned = await act(gql, admin, PLAN, id=imp["id"])
    await run_pending_jobs()
    after_plan = await read(gql, admin, imp["id"])
    await act(gql, admin, START, id=imp["id"])
    await run_pending_jobs()
    after_run = await read(gql, admin, imp["id"])

    assert planned["__typename"] == "ImportSuccess"
    for found in (after_plan, after_run):
        assert found["status"] == "FAILED" and "Row 602" in found["errorMessage"], found["errorMessage"]
    applied = await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s", tenant.id))
    assert applied == 500  # the batch before the damaged row

    # What it applied before stopping can be undone.
    reverted = await act(gql, admin, REVERT, id=imp["id"])
    await run_pending_jobs()
    assert reverted["__typename"] == "ImportSuccess"
    assert (await read(gql, admin, imp["id"]))["status"] == "REVERTED"
    assert await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s", tenant.id)) == 0


@pytest.mark.parametrize(
    "file", ["nome,email\nAna,a@b.c", None, {"path": "/etc/passwd"}], ids=["text", "null", "object"]
)
async def test_create_import_without_a_multipart_file_is_refused(gql, factory, file):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    body = await gql.post(CREATE_IMPORT, {"file": file}, as_=admin)

    assert body.get("errors") and body["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "BAD_REQUEST"), body
    assert await _imports_of(tenant) == 0
