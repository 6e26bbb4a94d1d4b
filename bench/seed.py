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
from server.database import asyncpg_params, ensure_database

FIRST = [
    "João",
    "Maria",
    "José",
    "Ana",
    "Luís",
    "Fernanda",
    "Carlos",
    "Beatriz",
    "Paulo",
    "Juliana",
    "Rafael",
    "Camila",
    "Lucas",
    "Patrícia",
    "Marcos",
    "Letícia",
    "André",
    "Gabriela",
    "Tiago",
    "Sônia",
    "Pedro",
    "Luana",
]
LAST = [
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Pereira",
    "Lima",
    "Carvalho",
    "Ferreira",
    "Rodrigues",
    "Almeida",
    "Gonçalves",
    "Araújo",
    "Ribeiro",
    "Martins",
    "Rocha",
    "Barbosa",
    "Costa",
    "Mendes",
    "Nunes",
    "Cardoso",
]


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
) -> BenchTenant:
    """(Re)create tenant ``slug`` with ``customers`` customers unless it already has exactly that.
    ``custom_values(i, rng)`` gives customer i's custom_fields."""
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
            phone = f"+55119{rng.randint(10000000, 99999999)}"
            owner = rng.choice(seller_ids) if rng.random() < 0.9 else None
            created = start + timedelta(seconds=i * 30 + rng.randint(0, 29))
            batch.append(
                (
                    pk,
                    tenant_id,
                    name,
                    fold(name),
                    f"c{i}@{slug}.example",
                    f"c{i}@{slug}.example",
                    phone,
                    phone,
                    owner,
                    created,
                    created,
                    json.dumps(custom_values(i, rng) if custom_values else {}),
                )
            )
            links += [(uuid.uuid4(), tenant_id, pk, t) for t in rng.sample(tag_ids, k=rng.randint(0, 3))]
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
            "custom_fields",
        ],
    )
    await conn.copy_records_to_table(
        "customer_tag", records=links, columns=["id", "tenant_id", "customer_id", "tag_id"]
    )
    batch.clear()
    links.clear()
