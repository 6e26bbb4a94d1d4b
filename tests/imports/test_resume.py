"""A run that dies between batches resumes after the last committed one: every row exactly once."""

from __future__ import annotations

from uuid import UUID

import pytest

from models.db import fetch, fetchval
from models.sql import Sql
from resolvers.imports import runner
from resolvers.jobs import enqueue
from resolvers.jobs.testing import run_pending_jobs
from schema.node import from_global_id
from tests.imports.support import START, act, actions, csv_bytes, read, uploaded
from tests.queries import CREATE


def _die_after_first_batch(_import_id: UUID, batches: int) -> None:
    if batches == 1:
        raise runner.Interrupted("the worker died")


async def test_a_run_killed_between_batches_resumes_and_applies_every_row_once(gql, factory, monkeypatch):
    monkeypatch.setattr(runner, "BATCH_ROWS", 2)
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    content = csv_bytes(
        [
            ["nome", "email"],
            ["Ana", "ana@example.com"],
            ["Bia", "bia@example.com"],
            ["Caio", "caio@example.com"],
            ["Ana outra vez", "ana@example.com"],  # repeats row 2, which the first run applied
            ["Duda", "duda@example.com"],
        ]
    )
    imp = await uploaded(gql, admin, content)
    monkeypatch.setattr(runner, "after_batch", [_die_after_first_batch])

    await act(gql, admin, START, id=imp["id"])
    await run_pending_jobs()
    interrupted = await read(gql, admin, imp["id"])
    monkeypatch.setattr(runner, "after_batch", [])
    _, pk = from_global_id(imp["id"])
    await enqueue("import.run", {"tenant_id": str(tenant.id), "import_id": str(pk)})  # the queue's retry
    await run_pending_jobs()
    finished = await read(gql, admin, imp["id"])

    assert interrupted["status"] == "RUNNING" and interrupted["counts"]["processed"] == 2
    assert finished["status"] == "FINISHED"
    assert finished["counts"] == {
        "total": 5, "processed": 5, "created": 4, "updated": 0, "skipped": 0, "failed": 0, "conflicts": 0,
        "duplicatesInFile": 1,
    }  # fmt: skip
    names = await fetch(Sql("SELECT name FROM customer WHERE tenant_id = %s ORDER BY name", tenant.id))
    assert [r["name"] for r in names] == ["Ana", "Bia", "Caio", "Duda"]
    events = await fetchval(Sql("SELECT count(*) FROM customer_event WHERE tenant_id = %s", tenant.id))
    records = await fetch(
        Sql("SELECT row_number, action FROM import_row WHERE tenant_id = %s AND applied ORDER BY row_number", tenant.id)
    )
    assert events == 4
    assert [(r["row_number"], r["action"]) for r in records] == [
        (2, "create"), (3, "create"), (4, "create"), (5, "duplicate_in_file"), (6, "create"),
    ]  # fmt: skip


async def test_a_resumed_upsert_still_knows_the_customer_a_committed_batch_updated(gql, factory, monkeypatch):
    monkeypatch.setattr(runner, "BATCH_ROWS", 2)
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    created = await gql.data(
        CREATE, {"input": {"name": "Ana", "email": "ana@example.com", "phone": "+55 11 98765-4321"}}, as_=admin
    )
    assert created["createCustomer"]["__typename"] == "CreateCustomerSuccess", created
    content = csv_bytes(
        [
            ["nome", "email", "telefone", "cidade"],
            ["Ana", "ana@example.com", "", "Santos"],  # updates Ana, in the batch committed before the crash
            ["Bia", "bia@example.com", "", ""],
            ["Ana", "", "(11) 98765-4321", "Recife"],  # Ana again by her phone: the first row decided her
        ]
    )
    imp = await uploaded(gql, admin, content)
    monkeypatch.setattr(runner, "after_batch", [_die_after_first_batch])
    await act(gql, admin, START, id=imp["id"], mode="UPSERT")
    await run_pending_jobs()
    monkeypatch.setattr(runner, "after_batch", [])
    _, pk = from_global_id(imp["id"])
    await enqueue("import.run", {"tenant_id": str(tenant.id), "import_id": str(pk)})
    await run_pending_jobs()
    finished = await read(gql, admin, imp["id"])

    assert finished["status"] == "FINISHED"
    assert actions(finished) == {2: "UPDATE", 3: "CREATE", 4: "DUPLICATE_IN_FILE"}
    cities = await fetch(Sql("SELECT address_city FROM customer WHERE tenant_id = %s AND name = 'Ana'", tenant.id))
    assert [r["address_city"] for r in cities] == ["Santos"]
    assert await fetchval(Sql("SELECT count(*) FROM import_key WHERE tenant_id = %s", tenant.id)) == 0


@pytest.mark.parametrize("mode", ["CREATE_ONLY"])
async def test_a_finished_run_started_again_writes_nothing_more(gql, factory, mode):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    imp = await uploaded(gql, admin, csv_bytes([["nome"], ["Ana"], ["Bia"]]))
    await act(gql, admin, START, id=imp["id"], mode=mode)
    await run_pending_jobs()
    _, pk = from_global_id(imp["id"])

    await enqueue("import.run", {"tenant_id": str(tenant.id), "import_id": str(pk)})  # a duplicate delivery
    await run_pending_jobs()
    again = await act(gql, admin, START, id=imp["id"])

    assert await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s", tenant.id)) == 2
    assert again["__typename"] == "ValidationFailed"
