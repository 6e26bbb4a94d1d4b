"""A page of 50 customers with their tags, as an admin and as a seller, through the GraphQL API
and through the raw asyncpg baseline (one SQL statement building the JSON), in the same run.

    .venv/bin/python -m bench.customers_page [--customers 20000] [--rounds 3] [--seconds 8]

Prints requests/s, p50 and p99 per scenario (medians over the rounds) and the API/raw ratio.
"""

from __future__ import annotations

import argparse
import asyncio

from authz.tokens import TokenConfig, issue_token
from bench.harness import BENCH_SECRET, Result, check, database_url, load, median_result, report, serve
from bench.seed import migrate_bench, seed_tenant

PAGE = """query Page { customers(first: 50) { edges { node { id name email phone tags { name } } } } }"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    url = database_url("crm_bench")
    asyncio.run(migrate_bench(url))
    tenant = asyncio.run(seed_tenant(url, "bench", args.customers))
    for i in range(3):
        asyncio.run(seed_tenant(url, f"small{i}", 500))
    tokens = TokenConfig(BENCH_SECRET, "crm")
    admin = issue_token(tokens, user_id=tenant.admin_id, tenant_id=tenant.id, ttl_seconds=3600)
    seller_id = tenant.seller_ids[0]
    seller = issue_token(tokens, user_id=seller_id, tenant_id=tenant.id, ttl_seconds=3600)

    env = {"DATABASE_URL": url, "CRM_JWT_SECRET": BENCH_SECRET, "CRM_DB_POOL_MAX": "10", "CRM_LOG_LEVEL": "warning"}
    scenarios: dict[str, list[Result]] = {}
    with (
        serve("server.app:app_from_env", 8601, env) as api,
        serve("bench.raw_baseline:create_app", 8602, {"BENCH_DATABASE_URL": url}) as raw,
    ):
        cases = [
            (
                "graphql admin: 50 customers + tags",
                api + "/graphql",
                {"query": PAGE},
                {"Authorization": f"Bearer {admin}"},
            ),
            (
                "raw     admin: 50 customers + tags",
                raw + "/raw",
                {"query": "customers_with_tags", "params": [str(tenant.id), None, 50]},
                {},
            ),
            (
                "graphql seller: 50 customers + tags",
                api + "/graphql",
                {"query": PAGE},
                {"Authorization": f"Bearer {seller}"},
            ),
            (
                "raw     seller: 50 customers + tags",
                raw + "/raw",
                {"query": "customers_with_tags", "params": [str(tenant.id), str(seller_id), 50]},
                {},
            ),
        ]
        for _name, target, body, headers in cases:
            check(target, body, headers)
        for round_no in range(args.rounds):
            for name, target, body, headers in cases:
                result = load(target, body, headers, args.seconds, args.connections)
                scenarios.setdefault(name, []).append(result)
                print(f"round {round_no + 1}: {name}: {result.rps:.1f} req/s", flush=True)

    medians = {name: median_result(results) for name, results in scenarios.items()}
    rows = []
    for name, result in medians.items():
        raw_name = name.replace("graphql", "raw    ")
        ratio = result.rps / medians[raw_name].rps if name.startswith("graphql") else None
        rows.append((name, result, ratio))
    print(
        f"\n{args.customers} customers in the tenant; medians of {args.rounds} rounds of {args.seconds}s, "
        f"{args.connections} connections"
    )
    report(rows)


if __name__ == "__main__":
    main()
