"""Seed a bench database quickly with COPY: one big tenant, a few small ones."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from resolvers.text import fold
from server.database import asyncpg_params, ensure_database, with_database
from server.seed import FIRST, LAST

AREAS = ["11", "21", "31", "41", "51", "61", "71", "81", "85", "19"]
CHANNELS = ["manual", "whatsapp", "instagram", "ecommerce", "import", "api"]


@dataclass
class BenchTenant:
    id: uuid.UUID
    slug: str
    admin_id: uuid.UUID
    seller_ids: list[uuid.UUID]
    customers: int


async def migrate_bench(url: str) -> None:
    from tortoise.context import TortoiseContext

    from server.database import migrate

    await ensure_database(url)
    async with TortoiseContext():
        await migrate(url)


async def seeded(conn: asyncpg.Connection, slug: str) -> BenchTenant | None:
    row = await conn.fetchrow("SELECT id FROM tenant WHERE slug = $1", slug)
    if row is None:
        return None
    admin = await conn.fetchval("SELECT id FROM app_user WHERE tenant_id = $1 AND role = 'admin'", row["id"])
    sellers = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM app_user WHERE tenant_id = $1 AND role = 'seller' ORDER BY email", row["id"]
        )
    ]
    count = await conn.fetchval("SELECT count(*) FROM customer WHERE tenant_id = $1", row["id"])
    return BenchTenant(row["id"], slug, admin, sellers, count)


CustomValues = Callable[[int, random.Random], dict[str, Any]]


async def seed_tenant(
    url: str,
    slug: str,
    customers: int,
    sellers: int = 20,
    tags: int = 20,
    rng: random.Random | None = None,
    *,
    custom_values: CustomValues | None = None,
    max_tags_each: int = 3,
) -> BenchTenant:
    """(Re)create tenant ``slug`` with ``customers`` customers unless it already has exactly that.
    ``custom_values(i, rng)`` gives customer i's custom_fields; each gets 0..``max_tags_each`` tags."""
    rng = rng or random.Random(1)
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        existing = await seeded(conn, slug)
        if existing and existing.customers == customers:
            return existing
        if existing:
            await conn.execute("DELETE FROM tenant WHERE id = $1", existing.id)
        tenant_id = uuid.uuid4()
        await conn.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, $2, $3)", tenant_id, slug, slug)
        admin_id = uuid.uuid4()
        users = [(admin_id, tenant_id, f"admin@{slug}.test", "Admin", "admin")]
        seller_ids = [uuid.uuid4() for _ in range(sellers)]
        users += [
            (sid, tenant_id, f"seller{i:02d}@{slug}.test", f"Seller {i}", "seller") for i, sid in enumerate(seller_ids)
        ]
        await conn.copy_records_to_table(
            "app_user", records=users, columns=["id", "tenant_id", "email", "name", "role"]
        )
        tag_ids = [uuid.uuid4() for _ in range(tags)]
        await conn.copy_records_to_table(
            "tag",
            records=[(t, tenant_id, f"Tag {i}", f"tag {i}") for i, t in enumerate(tag_ids)],
            columns=["id", "tenant_id", "name", "name_key"],
        )
        start = datetime(2024, 1, 1, tzinfo=UTC)
        batch: list[tuple] = []
        links: list[tuple] = []
        for i in range(customers):
            pk = uuid.uuid4()
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
            phone = f"+55{rng.choice(AREAS)}9{rng.randint(10000000, 99999999)}"
            owner = rng.choice(seller_ids) if rng.random() < 0.9 else None
            created = start + timedelta(seconds=i * 30 + rng.randint(0, 29))
            interacted = created + timedelta(days=rng.randint(0, 400)) if rng.random() < 0.7 else None
            contacted = interacted if interacted and rng.random() < 0.6 else None
            status = "inactive" if rng.random() < 0.1 else "active"
            email = f"c{i}@{slug}.example"
            custom = json.dumps(custom_values(i, rng) if custom_values else {})
            held = rng.sample(tag_ids, k=rng.randint(0, max_tags_each))
            batch.append((pk, tenant_id, name, fold(name), email, email, phone, phone, owner, created, created,
                          interacted, contacted, status, rng.choice(CHANNELS), custom, held or None))  # fmt: skip
            links += [(uuid.uuid4(), tenant_id, pk, t) for t in held]
            if len(batch) >= 20_000:
                await _flush(conn, batch, links)
        await _flush(conn, batch, links)
        await conn.execute("ANALYZE")
        return BenchTenant(tenant_id, slug, admin_id, seller_ids, customers)
    finally:
        await conn.close()


async def _flush(conn: asyncpg.Connection, batch: list[tuple], links: list[tuple]) -> None:
    await conn.copy_records_to_table(
        "customer",
        records=batch,
        columns=[
            "id",
            "tenant_id",
            "name",
            "search_text",
            "email",
            "email_normalized",
            "phone",
            "phone_e164",
            "owner_id",
            "created_at",
            "updated_at",
            "last_interaction_at",
            "last_contacted_at",
            "status",
            "origin_channel",
            "custom_fields",
            "tag_ids",
        ],
    )
    # The rows above already carry their tag ids (migration 0033): the link table's trigger, which
    # would rewrite every customer row once more, is skipped (a superuser's setting).
    await conn.execute("SET session_replication_role = replica")
    try:
        await conn.copy_records_to_table(
            "customer_tag", records=links, columns=["id", "tenant_id", "customer_id", "tag_id"]
        )
    finally:
        await conn.execute("RESET session_replication_role")
    batch.clear()
    links.clear()


async def seed_activities(url: str, tenant: BenchTenant, rng: random.Random | None = None) -> None:
    """Notes, tasks, history for every customer; a conversation with messages for one in ten."""
    rng = rng or random.Random(2)
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        if await conn.fetchval("SELECT count(*) FROM note WHERE tenant_id = $1", tenant.id):
            return
        customers = await conn.fetch("SELECT id, owner_id, created_at FROM customer WHERE tenant_id = $1", tenant.id)
        notes, tasks, events, conversations, messages = [], [], [], [], []
        for c in customers:
            author = c["owner_id"] or tenant.admin_id
            for n in range(3):
                at = c["created_at"] + timedelta(hours=n + 1)
                notes.append((uuid.uuid4(), tenant.id, c["id"], author, "Seller", f"Note {n} about the order", at))
            for n, status in enumerate(("open", "done")):
                at = c["created_at"] + timedelta(hours=5 + n)
                tasks.append(
                    (uuid.uuid4(), tenant.id, c["id"], f"Follow up {n}", author, status, at + timedelta(days=3), at, at)
                )
            events.append((uuid.uuid4(), tenant.id, c["id"], "created", author, "Seller", "{}", c["created_at"]))
            events.append(
                (
                    uuid.uuid4(),
                    tenant.id,
                    c["id"],
                    "tags_changed",
                    author,
                    "Seller",
                    '{"added": ["Tag 1"], "removed": []}',
                    c["created_at"] + timedelta(minutes=5),
                )
            )
            if rng.random() < 0.1:
                conv = uuid.uuid4()
                last = c["created_at"] + timedelta(days=1, minutes=12)
                conversations.append((conv, tenant.id, c["id"], "whatsapp", "+5511900000000", last, c["created_at"]))
                for m in range(12):
                    direction = "inbound" if m % 2 == 0 else "outbound"
                    messages.append(
                        (
                            uuid.uuid4(),
                            tenant.id,
                            conv,
                            "whatsapp",
                            direction,
                            None if direction == "inbound" else author,
                            f"message {m}",
                            c["created_at"] + timedelta(days=1, minutes=m),
                            "received" if direction == "inbound" else "queued",
                        )
                    )
        await conn.copy_records_to_table(
            "note",
            records=notes,
            columns=["id", "tenant_id", "customer_id", "author_id", "author_name", "body", "created_at"],
        )
        await conn.copy_records_to_table(
            "task",
            records=tasks,
            columns=[
                "id",
                "tenant_id",
                "customer_id",
                "title",
                "responsible_id",
                "status",
                "due_at",
                "created_at",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "customer_event",
            records=events,
            columns=["id", "tenant_id", "customer_id", "kind", "actor_id", "actor_name", "data", "created_at"],
        )
        await conn.copy_records_to_table(
            "conversation",
            records=conversations,
            columns=["id", "tenant_id", "customer_id", "channel", "handle", "last_message_at", "created_at"],
        )
        await conn.copy_records_to_table(
            "message",
            records=messages,
            columns=[
                "id",
                "tenant_id",
                "conversation_id",
                "channel",
                "direction",
                "author_id",
                "body",
                "sent_at",
                "status",
            ],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


# Bump when the read-model dataset changes shape: an older database is then dropped and reseeded.
READ_MODEL_SEED = "read-model-1"


async def seed_read_model(url: str, customers: int) -> BenchTenant:
    """The read-model dataset in its own database: tenant "bench" with ``customers`` customers holding
    0-4 tags, 0-6 notes (with authors) and 0-4 tasks (open and done, with responsibles) each, plus
    three small tenants. Reused while its stamp (seed version and size) matches, else rebuilt."""
    stamp = f"{READ_MODEL_SEED} customers={customers}"
    await ensure_database(url)
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        current = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        tenant = await seeded(conn, "bench") if current == stamp else None
        name = await conn.fetchval("SELECT current_database()")
    finally:
        await conn.close()
    if tenant is not None:
        await migrate_bench(url)  # migrations added since the dataset was built
        return tenant
    admin = await asyncpg.connect(**asyncpg_params(with_database(url, "postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    await migrate_bench(url)
    tenant = await seed_tenant(url, "bench", customers, max_tags_each=4)
    for i in range(3):
        await seed_tenant(url, f"small{i}", 500)
    await _seed_notes_and_tasks(url, tenant, random.Random(3))
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        await conn.execute("VACUUM ANALYZE")
        await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{stamp}'")
    finally:
        await conn.close()
    return tenant


async def _seed_notes_and_tasks(url: str, tenant: BenchTenant, rng: random.Random) -> None:
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        names = {
            r["id"]: r["name"]
            for r in await conn.fetch("SELECT id, name FROM app_user WHERE tenant_id = $1", tenant.id)
        }
        staff = [tenant.admin_id, *tenant.seller_ids]
        notes: list[tuple] = []
        tasks: list[tuple] = []
        customers = await conn.fetch(
            "SELECT id, owner_id, created_at FROM customer WHERE tenant_id = $1 ORDER BY created_at", tenant.id
        )
        for c in customers:
            for n in range(rng.randint(0, 6)):
                author = c["owner_id"] if c["owner_id"] and rng.random() < 0.8 else rng.choice(staff)
                at = c["created_at"] + timedelta(days=rng.randint(0, 300), minutes=n)
                body = f"Note {n}: {rng.choice(('called', 'sent a quote', 'asked for a visit', 'paid'))}"
                notes.append((uuid.uuid4(), tenant.id, c["id"], author, names[author], body, at))
            for n in range(rng.randint(0, 4)):
                responsible = c["owner_id"] if c["owner_id"] and rng.random() < 0.8 else rng.choice(staff)
                at = c["created_at"] + timedelta(days=rng.randint(0, 200))
                done = rng.random() < 0.5
                due = at + timedelta(days=rng.randint(1, 30)) if rng.random() < 0.9 else None
                tasks.append((uuid.uuid4(), tenant.id, c["id"], f"Follow up {n}", responsible, responsible,
                              "done" if done else "open", due, at + timedelta(days=1) if done else None, at, at))  # fmt: skip
            if len(notes) >= 50_000:
                await _flush_children(conn, notes, tasks)
        await _flush_children(conn, notes, tasks)
    finally:
        await conn.close()


async def _flush_children(conn: asyncpg.Connection, notes: list[tuple], tasks: list[tuple]) -> None:
    await conn.copy_records_to_table(
        "note",
        records=notes,
        columns=["id", "tenant_id", "customer_id", "author_id", "author_name", "body", "created_at"],
    )
    await conn.copy_records_to_table(
        "task",
        records=tasks,
        columns=["id", "tenant_id", "customer_id", "title", "responsible_id", "created_by_id", "status", "due_at",
                 "completed_at", "created_at", "updated_at"],
    )  # fmt: skip
    notes.clear()
    tasks.clear()


# PostGraphile follows foreign keys by the child's column alone (note.customer_id), while the
# project's indexes lead with tenant_id; without these it scans every note for every customer of a
# page. They give the peer index-backed plans for the bench's queries and cost the API nothing.
PEER_INDEXES = (
    "CREATE INDEX IF NOT EXISTS bench_note_customer_idx ON note (customer_id, created_at DESC, id DESC)",
    "CREATE INDEX IF NOT EXISTS bench_task_customer_idx ON task (customer_id, status, due_at, id)",
    "CREATE INDEX IF NOT EXISTS bench_customer_tag_customer_idx ON customer_tag (customer_id)",
    "CREATE INDEX IF NOT EXISTS bench_customer_owner_idx ON customer (tenant_id, owner_id, created_at, id)",
    "CREATE INDEX IF NOT EXISTS bench_customer_status_idx ON customer (tenant_id, status, created_at, id)",
    "CREATE INDEX IF NOT EXISTS bench_customer_search_idx ON customer (tenant_id, search_text, id)",
)


async def ensure_peer_indexes(url: str) -> None:
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        present = await conn.fetchval("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'bench\\_%'")
        if present < len(PEER_INDEXES):
            for statement in PEER_INDEXES:
                await conn.execute(statement)
            await conn.execute("ANALYZE note, task, customer_tag, customer")
    finally:
        await conn.close()
