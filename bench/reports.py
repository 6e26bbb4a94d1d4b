"""Report previews at a million customers.

    .venv/bin/python -m bench.reports [--customers 1000000] [--rounds 3] [--runs 20]

Seeds one tenant with N customers (COPY; bench/seed.py) with a select custom field "lost" (why a
customer did not buy), then, as an admin (the whole company) and as a seller (their portfolio),
sends sequential ``reportPreview`` requests over HTTP and prints p50 and p95 per round and their
medians over the rounds, for two-dimension reports: origin channel x status, origin channel
subdivided by the "lost" reason, and status x tag (a customer in several groups).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Any

import asyncpg
import httpx

from authz.tokens import TokenConfig, issue_token
from bench.harness import BENCH_SECRET, api_env, database_url, free_port, serve
from bench.scale import percentile
from bench.seed import migrate_bench, seed_tenant
from server.database import asyncpg_params

REASONS = ["Preço", "preco ", "Prazo", "Concorrente", "Sem orçamento"]
PREVIEW = """query ($d: ReportDefinitionInput!) { reportPreview(definition: $d) {
  __typename ... on ReportTable { rows { keys count value cells { count } } total { count } } } }"""
SCENARIOS: dict[str, dict[str, Any]] = {
    "channel x status": {
        "source": {"filter": {"status": "ANY"}},
        "groupBy": [{"kind": "ORIGIN_CHANNEL"}, {"kind": "STATUS"}],
    },
    "channel / lost reason": {
        "groupBy": [{"kind": "ORIGIN_CHANNEL"}],
        "subdivideBy": {"kind": "CUSTOM_FIELD", "field": "lost"},
        "synonyms": [{"from": "Sem orcamento", "to": "Sem orçamento"}],
    },
    "status x tag": {
        "source": {"filter": {"status": "ANY"}},
        "groupBy": [{"kind": "STATUS"}],
        "subdivideBy": {"kind": "TAG"},
    },
}


def _lost(i: int, rng: Any) -> dict[str, Any]:
    return {"lost": rng.choice(REASONS)} if rng.random() < 0.8 else {}


async def prepare(url: str, customers: int) -> Any:
    await migrate_bench(url)
    tenant = await seed_tenant(url, "reports", customers, custom_values=_lost)
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        await conn.execute(
            "INSERT INTO custom_field (id, tenant_id, key, label, type, options) VALUES ($1, $2, 'lost', "
            "'Motivo da perda', 'select', $3::jsonb) ON CONFLICT DO NOTHING",
            uuid.uuid4(),
            tenant.id,
            json.dumps(["Preço", "Prazo", "Concorrente", "Sem orçamento"]),
        )
        await conn.execute("VACUUM ANALYZE customer")  # index-only scans need the visibility map
    finally:
        await conn.close()
    return tenant


async def measure(url: str, headers: dict[str, str], definition: dict[str, Any], runs: int) -> tuple[float, float]:
    timings = []
    async with httpx.AsyncClient(timeout=120) as client:
        for i in range(runs + 2):
            started = time.perf_counter()
            r = await client.post(url, json={"query": PREVIEW, "variables": {"d": definition}}, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            body = r.json()
            if body.get("errors") or body["data"]["reportPreview"]["__typename"] != "ReportTable":
                raise RuntimeError(str(body)[:500])
            if i >= 2:  # the first runs warm caches
                timings.append(elapsed)
    return statistics.median(timings), percentile(timings, 95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    url = database_url("crm_bench_reports")
    started = time.perf_counter()
    tenant = asyncio.run(prepare(url, args.customers))
    print(f"seeded {args.customers} customers in {time.perf_counter() - started:.0f} s", flush=True)
    tokens = TokenConfig(BENCH_SECRET, "crm")
    users = {"admin": tenant.admin_id, "seller": tenant.seller_ids[0]}
    rounds: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with serve("server.app:app_from_env", free_port(), api_env(url)) as api:
        for n in range(args.rounds):
            for role, user_id in users.items():
                token = issue_token(tokens, user_id=user_id, tenant_id=tenant.id, ttl_seconds=3600)
                headers = {"Authorization": f"Bearer {token}"}
                for name, definition in SCENARIOS.items():
                    p50, p95 = asyncio.run(measure(api + "/graphql", headers, definition, args.runs))
                    rounds.setdefault((role, name), []).append((p50, p95))
                    print(f"round {n + 1} {role:<7} {name:<24} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)

    print(f"\n{args.customers} customers; {args.rounds} rounds of {args.runs} sequential previews each")
    print(f"{'role':<8}{'report':<26}{'median p50 ms':>15}{'median p95 ms':>15}")
    for (role, name), results in rounds.items():
        p50 = statistics.median(r[0] for r in results)
        p95 = statistics.median(r[1] for r in results)
        print(f"{role:<8}{name:<26}{p50:>15.1f}{p95:>15.1f}")


if __name__ == "__main__":
    main()
