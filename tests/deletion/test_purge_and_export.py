"""The purge leaves nothing of a customer in any table; the data export holds every table's rows.

Both are checked against the database catalogue, found here independently of the code under test.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from models.db import execute, fetch, fetchval, in_transaction
from models.sql import Sql
from resolvers import clock
from resolvers.deletion.catalogue import read_catalogue
from resolvers.deletion.purge import purge_due
from resolvers.jobs.testing import run_pending_jobs
from tests.conftest import GraphQLClient
from tests.deletion.conftest import Outbox, seed_profile
from tests.deletion.queries import EXPORT, IMPACT, RESTORE
from tests.deletion.test_flow import create, delete, pk
from tests.factories import Factory, TenantRef
from tests.helpers import gid

# Every column naming a customer, as the information schema tells (foreign keys, and uuid columns
# called *customer_id without one); tables naming those tables' rows one level further.
REFERENCING = """
SELECT DISTINCT kcu.table_name AS tbl FROM information_schema.referential_constraints rc
JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name
JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name
WHERE ccu.table_name = 'customer' AND kcu.table_name <> 'customer'
UNION
SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'uuid'
AND (column_name = 'customer_id' OR column_name LIKE '%%\\_customer\\_id') AND table_name <> 'customer'
"""


async def referencing_tables() -> set[str]:
    direct = {r["tbl"] for r in await fetch(Sql(REFERENCING))}
    children = await fetch(
        Sql(
            "SELECT DISTINCT kcu.table_name AS tbl FROM information_schema.referential_constraints rc "
            "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name "
            "JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name "
            "WHERE ccu.table_name = ANY(%s::text[]) AND kcu.table_name <> 'customer'",
            sorted(direct),
        )
    )
    return direct | {r["tbl"] for r in children}


async def every_table() -> list[str]:
    rows = await fetch(
        Sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY 1"
        )
    )
    return [r["table_name"] for r in rows]


@pytest.fixture
async def warranty_table(factory: Factory) -> AsyncIterator[None]:
    """A table added later, that no code names: covered without a change to the code."""
    await execute(
        Sql(
            "CREATE TABLE warranty_claim (id uuid NOT NULL DEFAULT gen_random_uuid(), "
            "tenant_id uuid NOT NULL REFERENCES tenant(id) ON DELETE CASCADE, created_at timestamptz NOT NULL DEFAULT now(), "
            "customer_id uuid NOT NULL, title text NOT NULL, PRIMARY KEY (tenant_id, id), "
            "FOREIGN KEY (tenant_id, customer_id) REFERENCES customer (tenant_id, id) ON DELETE CASCADE)"
        )
    )
    try:
        yield
    finally:
        await execute(Sql("DROP TABLE warranty_claim"))


async def test_catalogue_finds_every_table_that_references_customer(factory: Factory) -> None:
    catalogue = await read_catalogue()
    assert set(catalogue.tables()) == await referencing_tables()
    assert {"note", "message", "conversation", "import_row", "customer_merge"} <= set(catalogue.tables())
    assert ("customer_event", "data") in catalogue.json_columns


def valid_cpf() -> str:
    digits = [random.randint(0, 9) for _ in range(9)]
    for size in (9, 10):
        total = sum(d * (size + 1 - i) for i, d in enumerate(digits[:size]))
        digits.append((total * 10 % 11) % 10)
    return "".join(map(str, digits))


async def make_rich_customer(gql: GraphQLClient, factory: Factory, tenant: TenantRef) -> dict[str, Any]:
    """A customer with a full profile, tags, a team, an import record, a merged-away duplicate, and
    another customer whose history and undone merge name it."""
    admin = await factory.user(tenant, "admin")
    team = await factory.team(tenant)
    tag = uuid4().hex[:8]
    mobile = f"{random.randint(0, 9999):04d}{random.randint(0, 9999):04d}"
    traces = {"name": f"Purgeable Zeta {tag}", "email": f"zeta.{tag}@example.com", "phone": mobile}
    traces |= {"document": valid_cpf(), "duplicate": f"Zeta Duplicate {tag}"}
    zeta = await create(
        gql,
        admin,
        traces["name"],
        phone=f"+55 11 9{mobile[:4]}-{mobile[4:]}",
        email=traces["email"],
        document=traces["document"],
        tags=["vip"],
    )
    x = pk(zeta["id"])
    await seed_profile(tenant.id, x, admin.id, team)
    seller = await factory.user(tenant, "seller")
    await execute(Sql("UPDATE customer SET owner_id = %s WHERE id = %s", seller.id, x))
    dup = await create(gql, admin, traces["duplicate"], phone=f"+55 11 93{mobile[:3]}-{mobile[4:]}")
    merged = await gql.data(
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename } }",
        {"i": {"primaryId": zeta["id"], "duplicateIds": [dup["id"]]}},
        as_=admin,
    )
    assert merged["mergeCustomers"]["__typename"] == "MergeCustomersSuccess"
    # Another customer merged with Zeta, then undone: its history and merge record name Zeta.
    other = await create(gql, admin, "Keeper Omega", phone="+55 11 95555-6666")
    m = await gql.data(
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename ... on MergeCustomersSuccess { merge { id } } ... on ValidationFailed { message } } }",
        {"i": {"primaryId": other["id"], "duplicateIds": [zeta["id"]]}},
        as_=admin,
    )
    assert m["mergeCustomers"]["__typename"] == "MergeCustomersSuccess", m
    undone = await gql.data(
        "mutation($i: UndoMergeInput!) { undoMerge(input: $i) { __typename } }",
        {"i": {"mergeId": m["mergeCustomers"]["merge"]["id"]}},
        as_=admin,
    )
    assert undone["undoMerge"]["__typename"] == "UndoMergeSuccess"
    imported = uuid4()
    await execute(
        Sql(
            "INSERT INTO customer_import (id, tenant_id, number, file_name, format, size_bytes, updated_at, status) "
            "VALUES (%s, %s, 1, 'f.csv', 'csv', 1, now(), 'finished')",
            imported,
            tenant.id,
        )
    )
    await execute(
        Sql(
            "INSERT INTO import_row (tenant_id, customer_import_id, row_number, action, cells, customer_id) "
            "VALUES (%s, %s, 2, 'created', %s::jsonb, %s)",
            tenant.id,
            imported,
            json.dumps([traces["name"], traces["email"]]),
            x,
        )
    )
    await execute(
        Sql(
            "INSERT INTO import_chunk (tenant_id, customer_import_id, seq, data) VALUES (%s, %s, 0, %s)",
            tenant.id,
            imported,
            f"name,email\n{traces['name']},{traces['email']}\n".encode(),
        )
    )
    return {"admin": admin, "seller": seller, "zeta": zeta, "dup": dup, "other": other, "traces": traces}


TIMELINE = """
query($id: ID!) { customer(id: $id) { timeline(first: 50) { nodes { __typename ... on HistoryEntry { kind details } } } } }
"""


async def test_purge_leaves_no_trace_in_any_table(gql: GraphQLClient, factory: Factory, outbox: Outbox) -> None:
    tenant = await factory.tenant()
    made = await make_rich_customer(gql, factory, tenant)
    admin, zeta, dup, other = made["admin"], made["zeta"], made["dup"], made["other"]
    x, z = pk(zeta["id"]), pk(dup["id"])
    named_before = await gql.data(TIMELINE, {"id": other["id"]}, as_=admin)
    assert zeta["id"] in str(named_before)
    assert (await delete(gql, admin, outbox, [zeta["id"]]))["__typename"] == "CustomersDeleted"
    # At once: the other customer's history no longer names it (the customer rule says so).
    assert zeta["id"] not in str(await gql.data(TIMELINE, {"id": other["id"]}, as_=admin))

    # Before the delay nothing is purged.
    assert await purge_due(tenant.id) == 0
    assert await fetchval(Sql("SELECT count(*) FROM customer WHERE id = %s", x)) == 1
    scheduled = await fetchval(
        Sql("SELECT min(execute_after) - now() FROM pgqueuer WHERE entrypoint = 'customer.purge' AND status = 'queued'")
    )
    assert timedelta(hours=47) < scheduled <= timedelta(hours=48, seconds=1)

    later = clock.now() + timedelta(hours=48, minutes=1)
    original = clock.now
    clock.now = lambda: later  # type: ignore[assignment]
    try:
        # The queue's own clock is PostgreSQL's: make the scheduled job due now.
        await execute(Sql("UPDATE pgqueuer SET execute_after = now() WHERE entrypoint = 'customer.purge'"))
        await run_pending_jobs()
    finally:
        clock.now = original  # type: ignore[method-assign]
    assert (
        await fetchval(
            Sql("SELECT count(*) FROM customer WHERE tenant_id = %s AND id = ANY(%s::uuid[])", tenant.id, [x, z])
        )
        == 0
    )

    traces = [str(x), str(z), *made["traces"].values()]
    patterns = [f"%{t}%" for t in traces]
    found = {}
    async with in_transaction():
        await execute(Sql("SET LOCAL statement_timeout = 0"))  # whole tables, other tests' rows too
        for table in await every_table():
            n = await fetchval(Sql(f"SELECT count(*) FROM {table} t WHERE t::text ILIKE ANY(%s::text[])", patterns))
            if n:
                found[table] = n
    # The audit log keeps who deleted and purged which id, and when: the id only, no value.
    assert set(found) <= {"audit_entry"}, found
    kept = await fetch(
        Sql(
            "SELECT action, object_id FROM audit_entry WHERE tenant_id = %s AND audit_entry::text ILIKE ANY(%s::text[])",
            tenant.id,
            patterns,
        )
    )
    # Entries about other customers that named it (the merge that took its e-mail into another
    # customer, then was undone) no longer do, in any column.
    assert {r["object_id"] for r in kept} <= {x, z}, [dict(r) for r in kept]
    assert "customer.purge" in {r["action"] for r in kept}
    leaked = await fetchval(
        Sql(
            "SELECT count(*) FROM audit_entry WHERE tenant_id = %s AND "
            "concat(before::text, after::text, details::text) ILIKE ANY(%s::text[])",
            tenant.id,
            patterns,
        )
    )
    assert leaked == 0

    # The uploaded file of the finished import that created it is gone too.
    assert await fetchval(Sql("SELECT count(*) FROM import_chunk WHERE tenant_id = %s", tenant.id)) == 0

    # No orphan: every row naming a customer names one that exists.
    catalogue = await read_catalogue()
    for link in catalogue.links:
        orphans = await fetchval(
            Sql(
                f"SELECT count(*) FROM {link.table} t WHERE t.tenant_id = %s AND t.{link.column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = t.{link.column})",
                tenant.id,
            )
        )
        assert orphans == 0, link.table
    # The customer that named it still reads, history and all.
    still = await gql.data(TIMELINE, {"id": other["id"]}, as_=admin)
    assert still["customer"]["timeline"]["nodes"]
    restored = await gql.data(RESTORE, {"id": zeta["id"]}, as_=admin)
    assert restored["restoreCustomer"]["__typename"] == "NotFound"


async def test_data_export_holds_every_table(
    gql: GraphQLClient, factory: Factory, warranty_table: None, count_statements: Any
) -> None:
    tenant = await factory.tenant()
    made = await make_rich_customer(gql, factory, tenant)
    admin, zeta = made["admin"], made["zeta"]
    x, z = pk(zeta["id"]), pk(made["dup"]["id"])
    await execute(
        Sql(
            "INSERT INTO contract (tenant_id, customer_id, title, starts_on) VALUES (%s, %s, 'support', current_date)",
            tenant.id,
            x,
        )
    )
    await execute(
        Sql("INSERT INTO warranty_claim (tenant_id, customer_id, title) VALUES (%s, %s, 'screen')", tenant.id, x)
    )
    with count_statements() as counter:
        data = await gql.data(EXPORT, {"id": zeta["id"]}, as_=admin)
    assert counter.count <= 8, counter.statements
    document = data["customerDataExport"]["document"]
    assert document["customer"]["email"] == made["traces"]["email"]
    assert document["tags"] == ["vip"] and len(document["teams"]) == 1
    assert document["portfolio"]["ownerId"] == str(made["seller"].id)
    assert [m["id"] for m in document["mergedCustomers"]] == [str(z)]
    records = document["records"]
    tables = await referencing_tables()
    assert {"contract", "warranty_claim"} <= tables
    for table in tables:
        link = next((lk for lk in (await read_catalogue()).links if lk.table == table), None)
        if link is None:  # a child table: exported under its parent's rows
            continue
        held = await fetchval(
            Sql(
                f"SELECT count(*) FROM {table} t WHERE t.tenant_id = %s AND t.{link.column} = ANY(%s::uuid[])",
                tenant.id,
                [x, z],
            )
        )
        assert len(records[table]) == held, table
    assert [r["title"] for r in records["contract"]] == ["support"]
    assert [r["title"] for r in records["warranty_claim"]] == ["screen"]
    assert sum(len(c["message"]) for c in records["conversation"]) == 3
    assert len(records["import_row"]) == 1 and len(records["note"]) == 2
    entry = await fetchval(
        Sql(
            "SELECT count(*) FROM audit_entry WHERE tenant_id = %s AND action = 'customer.data_export' AND object_id = %s",
            tenant.id,
            x,
        )
    )
    assert entry == 1


async def test_a_table_added_later_is_counted_and_purged(
    gql: GraphQLClient, factory: Factory, outbox: Outbox, warranty_table: None
) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant)
    await execute(
        Sql(
            "INSERT INTO warranty_claim (tenant_id, customer_id, title) VALUES (%s, %s, 'a'), (%s, %s, 'b')",
            tenant.id,
            customer,
            tenant.id,
            customer,
        )
    )
    await execute(
        Sql(
            "INSERT INTO contract (tenant_id, customer_id, title, starts_on, status) "
            "VALUES (%s, %s, 'old', current_date, 'ended')",
            tenant.id,
            customer,
        )
    )
    impact = await gql.data(IMPACT, {"ids": [gid(customer)]}, as_=admin)
    total = impact["customerDeletionImpact"]["total"]
    assert total["contracts"] == 1
    assert {"table": "warranty_claim", "count": 2} in total["records"]
    await delete(gql, admin, outbox, [gid(customer)])
    assert await purge_due(tenant.id, clock.now() + timedelta(hours=49)) == 1
    assert await fetchval(Sql("SELECT count(*) FROM warranty_claim WHERE customer_id = %s", customer)) == 0
    assert await fetchval(Sql("SELECT count(*) FROM contract WHERE customer_id = %s", customer)) == 0


async def test_purge_delay_is_configurable(gql: GraphQLClient, factory: Factory, outbox: Outbox) -> None:
    from resolvers.deletion import notifier

    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant)
    previous = notifier.install(purge_after=timedelta(hours=2))
    try:
        done = await delete(gql, admin, outbox, [gid(customer)])
    finally:
        notifier.restore(previous)
    purge_after = await fetchval(Sql("SELECT purge_after - deleted_at FROM customer WHERE id = %s", customer))
    assert purge_after == timedelta(hours=2) and done["purgeAfter"]
    assert await purge_due(tenant.id, clock.now() + timedelta(hours=1)) == 0
    assert await purge_due(tenant.id, clock.now() + timedelta(hours=2, seconds=1)) == 1
