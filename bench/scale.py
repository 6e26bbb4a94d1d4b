"""Search, filters and deep pages at a million customers.

    .venv/bin/python -m bench.scale [--customers 1000000] [--runs 30]

Seeds one tenant with N customers (COPY) plus three small tenants, then, as an admin and as a
seller of the big tenant, measures p50 and p95 over repeated GraphQL requests (sequential, so
latency is not queueing) of: a name search, a phone search, a three-condition filter, and the
100th page of a list sorted by name. Then prints the EXPLAIN (ANALYZE) of the statements each
scenario sends, captured from the resolvers, to show the indexes used.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from tortoise.context import TortoiseContext

from authz.access import Access
from authz.policy import load_policy
from authz.principal import Principal
from authz.tokens import TokenConfig, issue_token
from bench.harness import BENCH_SECRET, ROOT, api_env, database_url, serve
from bench.seed import migrate_bench, seed_tenant
from models import Role
from models.db import fetch, fetchrow
from models.sql import Sql
from resolvers import customer_reads
from schema.node import to_global_id
from server.database import tortoise_config

NAMES = ["silva jo", "gabriela ferreira", "Marcos Rocha", "souza", "joão pereira lima", "Letícia"]
LIST = """query($search: String, $filter: CustomerFilter, $sort: CustomerSort, $after: String, $portfolio: Portfolio) {
  customers(first: 50, search: $search, filter: $filter, sort: $sort, after: $after, portfolio: $portfolio) {
    pageInfo { endCursor } nodes { id name phone tags { name } } } }"""


@dataclass
class Scenario:
    name: str
    variables: list[dict[str, Any]]  # one per run, cycled


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def prepare(url: str, customers: int) -> tuple[Any, list[str], list[str], Any]:
    await migrate_bench(url)
    tenant = await seed_tenant(url, "big", customers)
    for i in range(3):
        await seed_tenant(url, f"small{i}", 5000)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        phones = [
            r["phone_e164"]
            for r in await fetch(
                Sql(
                    "SELECT phone_e164 FROM customer WHERE tenant_id = %s AND owner_id = %s ORDER BY id LIMIT 40",
                    tenant.id,
                    tenant.seller_ids[0],
                )
            )
        ]
        tags = [
            str(r["id"])
            for r in await fetch(Sql("SELECT id FROM tag WHERE tenant_id = %s ORDER BY name LIMIT 3", tenant.id))
        ]
        region = await fetchrow(Sql("SELECT default_region FROM tenant WHERE id = %s", tenant.id))
    return tenant, phones, tags, region


def formatted(e164: str) -> str:
    """+5511987654321 -> (11) 98765-4321, as a person would type it."""
    national = e164[3:]
    return f"({national[:2]}) {national[2:7]}-{national[7:]}"


async def cursor_of_page(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], page: int, sort: dict[str, str]
) -> str:
    after = None
    for _ in range(page - 1):
        r = await client.post(
            url, json={"query": LIST, "variables": {"sort": sort, "after": after, "portfolio": "ALL"}}, headers=headers
        )
        after = r.json()["data"]["customers"]["pageInfo"]["endCursor"]
    assert after is not None
    return after


async def measure(url: str, headers: dict[str, str], scenario: Scenario, runs: int) -> tuple[float, float]:
    timings = []
    async with httpx.AsyncClient(timeout=60) as client:
        for i in range(runs + 3):
            variables = scenario.variables[i % len(scenario.variables)]
            started = time.perf_counter()
            r = await client.post(url, json={"query": LIST, "variables": variables}, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            body = r.json()
            if body.get("errors"):
                raise RuntimeError(f"{scenario.name}: {body['errors']}")
            if i >= 3:  # the first runs warm caches
                timings.append(elapsed)
    return statistics.median(timings), percentile(timings, 95)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.args:
            self.statements.append((str(record.args[0]), list(record.args[1]) if len(record.args) > 1 else []))


async def explain(url: str, tenant: Any, role: str, user_id: Any, variables: dict[str, Any]) -> list[str]:
    """EXPLAIN ANALYZE of what the list resolver sends for these arguments."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        access = Access(Principal(tenant.id, "big", Role(role), user_id), load_policy(ROOT / "policies"))
        log = logging.getLogger("tortoise.db_client")
        capture = Capture()
        log.setLevel(logging.DEBUG)
        log.addHandler(capture)
        try:
            await customer_reads.list_customers(access, first=50, **variables)
        finally:
            log.removeHandler(capture)
        out = []
        conn = ctx.connections.get("default")
        for text, params in capture.statements:
            if "FROM customer c" not in text:
                continue
            rows = await conn.execute_query_dict("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + text, params)
            out += [r["QUERY PLAN"] for r in rows]
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()

    url = database_url("crm_scale")
    tenant, phones, tags, _ = asyncio.run(prepare(url, args.customers))
    tokens = TokenConfig(BENCH_SECRET, "crm")
    users = {"admin": tenant.admin_id, "seller": tenant.seller_ids[0]}
    rng = random.Random(5)
    scenarios = [
        Scenario("name search", [{"search": n, "portfolio": "ALL"} for n in NAMES]),
        Scenario("phone search", [{"search": formatted(p), "portfolio": "ALL"} for p in rng.sample(phones, 20)]),
        Scenario(
            "3-condition filter",
            [{"portfolio": "ALL", "filter": three_conditions(tags, api=True)}],
        ),
    ]
    env = api_env(url)
    results: list[tuple[str, str, float, float]] = []
    sort_name = {"field": "NAME", "direction": "ASC"}
    with serve("server.app:app_from_env", 8621, env) as api:
        for role, user_id in users.items():
            headers = {
                "Authorization": "Bearer " + issue_token(tokens, user_id=user_id, tenant_id=tenant.id, ttl_seconds=3600)
            }
            for scenario in scenarios:
                p50, p95 = asyncio.run(measure(api + "/graphql", headers, scenario, args.runs))
                results.append((role, scenario.name, p50, p95))
                print(f"{role:<7} {scenario.name:<22} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)

            async def deep(headers: dict[str, str] = headers) -> tuple[float, float]:
                async with httpx.AsyncClient(timeout=60) as client:
                    after = await cursor_of_page(client, api + "/graphql", headers, 100, sort_name)
                return await measure(
                    api + "/graphql",
                    headers,
                    Scenario("100th page", [{"sort": sort_name, "after": after, "portfolio": "ALL"}]),
                    args.runs,
                )

            p50, p95 = asyncio.run(deep())
            results.append((role, "100th page by name", p50, p95))
            print(f"{role:<7} {'100th page by name':<22} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)

    print(f"\n{args.customers} customers in the big tenant; {args.runs} sequential requests per scenario")
    print(f"{'role':<8}{'scenario':<24}{'p50 ms':>9}{'p95 ms':>9}")
    for role, name, p50, p95 in results:
        print(f"{role:<8}{name:<24}{p50:>9.1f}{p95:>9.1f}")

    if args.no_explain:
        return
    for role, user_id in users.items():
        for title, variables in (
            ("name search 'silva jo'", {"search": "silva jo"}),
            ("phone search", {"search": formatted(phones[0])}),
            ("sorted by name", {"sort": customer_reads.Sort(customer_reads.SortField.NAME, False)}),
            ("3-condition filter", {"filter": three_conditions(tags, api=False)}),
        ):
            print(f"\n--- EXPLAIN {role}: {title}")
            for line in asyncio.run(explain(url, tenant, role, user_id, variables)):
                print("   ", line)


def three_conditions(tags: list[str], *, api: bool) -> dict[str, Any]:
    """Two tags (any of), a last-interaction window and two origin channels: as the API takes it
    (global ids, enum names) or as the resolvers do (uuids, values)."""
    window = ("2024-06-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00")
    if api:
        return {
            "tags": {"anyOf": [to_global_id("Tag", UUID(t)) for t in tags[:2]]},
            "lastInteractionBetween": {"from": window[0], "to": window[1]},
            "originChannels": ["WHATSAPP", "ECOMMERCE"],
        }
    return {
        "tags": {"anyOf": tags[:2]},
        "lastInteractionBetween": {"from": datetime.fromisoformat(window[0]), "to": datetime.fromisoformat(window[1])},
        "originChannels": ["whatsapp", "ecommerce"],
    }


if __name__ == "__main__":
    main()
