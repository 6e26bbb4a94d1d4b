"""`crm import`: the same engine from the command line, its jobs run in the command's own process."""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys

from models.db import fetch, fetchval
from models.sql import Sql
from server.settings import PROJECT_ROOT
from tests.helpers import count_customers
from tests.imports.support import csv_bytes


async def crm(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "CRM_LOG_LEVEL": "warning", "COLUMNS": "100"},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_crm_import_plans_runs_and_writes_the_error_report(database_url, factory, tmp_path):
    tenant = await factory.tenant()
    await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    path = tmp_path / "clientes.csv"
    rows = [
        ["Nome", "E-mail", "Celular", "Vendedor"],
        ["José Conceição", "jose@example.com", "(11) 98765-4321", ""],
        ["Maria", "maria@@example", "", ""],
        ["Ana Lima", "ana@example.com", "11 3333-4444", ""],
    ]
    await asyncio.to_thread(path.write_bytes, csv_bytes(rows, delimiter=";"))

    planned = await crm(database_url, "import", str(path), "--tenant", tenant.slug, "--dry-run")

    assert planned.returncode == 0, planned.stderr
    assert "Import #1 PLANNED: 3 rows; created 2," in planned.stdout and "failed 1" in planned.stdout
    assert "Dry run" in planned.stderr  # the progress bar
    assert await count_customers(tenant.id) == 0

    done = await crm(
        database_url, "import", str(path), "--tenant", tenant.slug, "--as", seller.email,
        "--mapping", '{"Celular": "whatsapp", "Vendedor": "ignore"}',
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "Import #2 FINISHED: 3 rows; created 2, updated 0, unchanged 0, failed 1" in done.stdout
    report = tmp_path / "clientes.import-2-erros.csv"
    assert f"Error report: {report}" in done.stdout
    text = await asyncio.to_thread(report.read_text, encoding="utf-8-sig")
    lines = list(csv.reader(text.splitlines(), delimiter=";"))  # as uploaded
    assert lines[0] == [*rows[0], "error"] and [line[:4] for line in lines[1:]] == [rows[2]]
    customers = await fetch(
        Sql("SELECT whatsapp, owner_id FROM customer WHERE tenant_id = %s ORDER BY name", tenant.id)
    )
    assert [c["whatsapp"] for c in customers] == ["11 3333-4444", "(11) 98765-4321"]
    assert {c["owner_id"] for c in customers} == {seller.id}  # the seller's own portfolio
    mode = await fetchval(Sql("SELECT mode FROM customer_import WHERE tenant_id = %s AND number = 2", tenant.id))
    assert mode == "create_only"

    again = await crm(
        database_url, "import", str(path), "--tenant", tenant.slug, "--upsert",
        "--mapping", '{"Celular": "whatsapp", "Vendedor": "ignore"}',
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "created 0, updated 0, unchanged 2, failed 1" in again.stdout


async def test_crm_import_refuses_bad_input_clearly(database_url, factory, tmp_path):
    tenant = await factory.tenant()
    await factory.user(tenant, "admin")
    empty = tmp_path / "vazio.csv"
    await asyncio.to_thread(empty.write_bytes, b"nome,email\r\n")
    good = tmp_path / "ok.csv"
    await asyncio.to_thread(good.write_bytes, csv_bytes([["nome"], ["Ana"]]))

    for args, message in [
        ([str(empty), "--tenant", tenant.slug], "no rows of data"),
        ([str(good), "--tenant", tenant.slug, "--as", "nobody@example.test"], "No active user"),
        ([str(good), "--tenant", tenant.slug, "--mapping", '{"nome": "ignore"}'], "name"),
    ]:
        result = await crm(database_url, "import", *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
    assert await count_customers(tenant.id) == 0
    assert await fetchval(Sql("SELECT count(*) FROM customer_import WHERE tenant_id = %s", tenant.id)) == 0
