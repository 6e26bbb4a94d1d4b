"""Every change path announces its event: notes, tasks, transfers, merges, tags, status, imports."""

from __future__ import annotations

from typing import Any

from tests.helpers import gid
from tests.imports.support import csv_bytes, start, uploaded
from tests.webhooks.support import create_customer, create_webhook, deliver, update_customer


async def sent(receiver: Any) -> list[tuple[str, str]]:
    await deliver()
    out = [(b["type"], b["data"]["id"]) for b in receiver.bodies()]
    receiver.received.clear()
    return out


async def test_notes_and_tasks(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await create_customer(gql, admin, "With activity")
    await create_webhook(gql, admin, receiver.url, ["NOTE_CREATED", "TASK_CREATED", "TASK_COMPLETED"])

    note = await gql.data(
        'mutation($c: ID!) { addNote(input: {customerId: $c, body: "Called"}) { ... on NoteSuccess { note { id } } } }',
        {"c": customer},
        as_=admin,
    )
    task = await gql.data(
        'mutation($c: ID!) { createTask(input: {customerId: $c, title: "Call back"}) { ... on TaskSuccess { task { id } } } }',
        {"c": customer},
        as_=admin,
    )
    task_id = task["createTask"]["task"]["id"]
    await gql.data(
        "mutation($t: ID!) { updateTask(input: {id: $t, status: DONE}) { __typename } }", {"t": task_id}, as_=admin
    )
    await gql.data(
        'mutation($t: ID!) { updateTask(input: {id: $t, title: "Renamed"}) { __typename } }', {"t": task_id}, as_=admin
    )
    assert await sent(receiver) == [
        ("note.created", note["addNote"]["note"]["id"]),
        ("task.created", task_id),
        ("task.completed", task_id),
    ]


async def test_owner_status_tags_and_fields(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    customer = await create_customer(gql, admin, "Changing")
    await create_webhook(
        gql, admin, receiver.url, ["CUSTOMER_UPDATED", "CUSTOMER_OWNER_CHANGED", "CUSTOMER_STATUS_CHANGED"]
    )

    await gql.data(
        "mutation($c: ID!, $s: ID!) { transferCustomers(input: {customerIds: [$c], toSellerId: $s}) { __typename } }",
        {"c": customer, "s": gid(seller.id, "User")},
        as_=admin,
    )
    assert await sent(receiver) == [("customer.owner_changed", customer)]

    await update_customer(gql, admin, customer, status="INACTIVE")
    assert await sent(receiver) == [("customer.status_changed", customer)]

    await gql.data(
        'mutation($c: ID!) { addTags(input: {customerId: $c, tags: ["VIP"]}) { __typename } }',
        {"c": customer},
        as_=admin,
    )
    await update_customer(gql, admin, customer, tradeName="Changing Ltda")
    assert await sent(receiver) == [("customer.updated", customer), ("customer.updated", customer)]


async def test_merge_and_undo(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    primary = await create_customer(gql, admin, "Kept")
    duplicate = await create_customer(gql, admin, "Merged away")
    await create_webhook(gql, admin, receiver.url, ["CUSTOMER_MERGED", "CUSTOMER_UNMERGED"])

    merged = await gql.data(
        "mutation($p: ID!, $d: ID!) { mergeCustomers(input: {primaryId: $p, duplicateIds: [$d]}) "
        "{ ... on MergeCustomersSuccess { merge { id } } } }",
        {"p": primary, "d": duplicate},
        as_=admin,
    )
    await deliver()
    (body,) = receiver.bodies()
    assert (body["type"], body["data"]["id"], body["details"]) == ("customer.merged", primary, {"merged": [duplicate]})
    receiver.received.clear()

    merge_id = merged["mergeCustomers"]["merge"]["id"]
    await gql.data("mutation($m: ID!) { undoMerge(input: {mergeId: $m}) { __typename } }", {"m": merge_id}, as_=admin)
    assert await sent(receiver) == [("customer.unmerged", primary), ("customer.unmerged", duplicate)]


async def test_an_import_announces_its_customers_and_its_end(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url, ["CUSTOMER_CREATED", "CUSTOMER_UPDATED", "IMPORT_FINISHED"])
    await create_customer(gql, admin, "Existing", email="existing@example.com")
    receiver.received.clear()
    await deliver()
    receiver.received.clear()

    content = csv_bytes(
        [
            ["nome", "email"],
            ["Novo Um", "um@example.com"],
            ["Novo Dois", "dois@example.com"],
            ["Existing B", "existing@example.com"],
        ]
    )
    imported = await uploaded(gql, admin, content, mode="UPSERT")
    await start(gql, admin, imported["id"], "UPSERT")
    await deliver()
    bodies = receiver.bodies()
    assert sorted(b["type"] for b in bodies) == [
        "customer.created",
        "customer.created",
        "customer.updated",
        "import.finished",
    ]
    assert bodies[-1]["type"] == "import.finished" and bodies[-1]["data"]["id"] == imported["id"]
    assert bodies[-1]["data"]["counts"]["created"] == 2
    assert {b["data"]["name"] for b in bodies if b["type"].startswith("customer.")} == {
        "Novo Um",
        "Novo Dois",
        "Existing B",
    }


async def test_an_import_that_stops_announces_its_end_as_failed(factory, gql, receiver):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await create_webhook(gql, admin, receiver.url, ["IMPORT_FINISHED"])
    rows = [["nome", "obs"], *([f"Cliente {i}", "ok"] for i in range(600))]
    content = csv_bytes(rows) + b'"Ze,aberto\r\nMais,um\r\n'  # unreadable past the rows checked at upload
    imported = await uploaded(gql, admin, content)
    await start(gql, admin, imported["id"])
    await deliver()
    (body,) = receiver.bodies()
    assert (body["type"], body["data"]["id"], body["data"]["status"]) == ("import.finished", imported["id"], "FAILED")
