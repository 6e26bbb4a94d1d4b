"""A large export is written by a background job into a file kept for 24 hours, then removed."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from models.db import execute, fetch
from models.sql import Sql
from resolvers.exports.config import CONFIG
from resolvers.exports.service import expire_exports
from resolvers.jobs.testing import run_pending_jobs
from tests.exports.support import as_listed, download, exported, listed, read

STATUS = "query($id: ID!) { node(id: $id) { ... on Export { status rowCount finishedAt downloadUrl error } } }"


@pytest.fixture
def small_inline_limit(monkeypatch):
    monkeypatch.setattr(CONFIG, "inline_max_rows", 3)


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.custom_field(tenant, "visits", "number", label="Visitas")
    await factory.custom_field(tenant, "birthday", "date", label="Aniversário")
    for i in range(7):
        await factory.customer(
            tenant,
            name=f"Cliente {i}",
            custom_fields={"visits": i, "birthday": f"1990-01-0{i + 1}"},
            last_contacted_at=datetime.fromisoformat(f"2026-03-0{i + 1}T10:00:00+00:00"),
        )
    return tenant, admin


@pytest.mark.parametrize("format", ["CSV", "XLSX", "JSON"])
async def test_a_large_export_runs_as_a_job(gql, shop, small_inline_limit, format):
    tenant, admin = shop

    export = await exported(gql, admin, format)
    assert (export["status"], export["rowCount"], export["downloadUrl"]) == ("QUEUED", None, None)
    early = await gql.http.get(f"/exports/{export['id']}", headers={"Authorization": f"Bearer {admin.token}"})
    assert early.status_code == 409 and early.json()["errors"][0]["extensions"]["code"] == "NOT_READY"

    await run_pending_jobs()

    done = (await gql.data(STATUS, {"id": export["id"]}, as_=admin))["node"]
    assert done["status"] == "FINISHED" and done["rowCount"] == 7 and done["error"] is None
    content = (await download(gql, admin, done)).content
    assert read(format, content) == as_listed(await listed(gql, admin))
    audit = await fetch(Sql("SELECT details->>'rowCount' AS n FROM audit_entry WHERE tenant_id = %s", tenant.id))
    assert [a["n"] for a in audit] == ["7"]
    stored = await fetch(Sql("SELECT count(*) AS n FROM export_chunk WHERE tenant_id = %s", tenant.id))
    assert stored[0]["n"] >= 1


async def test_xlsx_cells_are_typed(gql, shop, small_inline_limit):
    _, admin = shop
    export = await exported(
        gql, admin, "XLSX", columns=["name", "customFields.visits", "customFields.birthday", "lastContactedAt"]
    )
    await run_pending_jobs()
    done = (await gql.data(STATUS, {"id": export["id"]}, as_=admin))["node"]

    content = (await download(gql, admin, done)).content

    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    first = next(r for r in rows if r[0] == "Cliente 2")
    assert first[1] == 2 and isinstance(first[1], int | float)
    assert first[2] == datetime(1990, 1, 3)
    assert first[3] == datetime(2026, 3, 3, 10, 0)


async def test_an_export_expires_after_a_day(gql, shop, small_inline_limit):
    tenant, admin = shop
    export = await exported(gql, admin, "CSV")
    await run_pending_jobs()

    await execute(
        Sql("UPDATE customer_export SET expires_at = now() - interval '1 second' WHERE tenant_id = %s", tenant.id)
    )

    gone = await gql.http.get(f"/exports/{export['id']}", headers={"Authorization": f"Bearer {admin.token}"})
    assert gone.status_code == 410 and gone.json()["errors"][0]["extensions"]["code"] == "EXPIRED"
    assert (await gql.data(STATUS, {"id": export["id"]}, as_=admin))["node"]["status"] == "EXPIRED"
    await exported(gql, admin, "CSV")
    await run_pending_jobs()  # the next export's job removes the expired files first
    assert await expire_exports() == 0
    stored = await fetch(Sql("SELECT count(*) AS n FROM export_chunk WHERE tenant_id = %s", tenant.id))
    assert stored[0]["n"] == 1  # the new export's file alone


async def test_a_job_acts_as_its_creator_is_now(gql, factory, shop, small_inline_limit):
    tenant, admin = shop
    export = await exported(gql, admin, "CSV")
    await execute(Sql("UPDATE app_user SET is_active = false WHERE id = %s", admin.id))

    await run_pending_jobs()

    row = (await fetch(Sql("SELECT status, error FROM customer_export WHERE tenant_id = %s", tenant.id)))[0]
    assert row["status"] == "failed" and "no longer" in row["error"]
    assert export
