"""A page of 50 customers with their tags, as an admin and as a seller, through the GraphQL API
and through the raw asyncpg baseline (one SQL statement building the JSON), in the same run.

    .venv/bin/python -m bench.customers_page [--customers 20000] [--rounds 3] [--seconds 8]

Prints requests/s, p50 and p99 per scenario (medians over the rounds) and the API/raw ratio. A second
API process connects as the tables' owner (a superuser, which row-level security does not hold):
the "no RLS" rows, interleaved with the others in every round, show what the policies cost.
"""

from __future__ import annotations

import asyncio

from authz.tokens import TokenConfig, issue_token
from bench.harness import (
    BENCH_SECRET,
    Case,
    api_and_baseline,
    api_env,
    database_url,
    load_arguments,
    report_against_baseline,
    run_rounds,
    serve,
)
from bench.seed import migrate_bench, seed_tenant

PAGE = """query Page { customers(first: 50) { edges { node { id name email phone tags { name } } } } }"""


def main() -> None:
    args = load_arguments(__doc__)

    url = database_url("crm_bench")
    asyncio.run(migrate_bench(url))
    tenant = asyncio.run(seed_tenant(url, "bench", args.customers))
    for i in range(3):
        asyncio.run(seed_tenant(url, f"small{i}", 500))
    without_rls = {**api_env(url), "CRM_APP_DATABASE_URL": url}
    tokens = TokenConfig(BENCH_SECRET, "crm")
    admin = issue_token(tokens, user_id=tenant.admin_id, tenant_id=tenant.id, ttl_seconds=3600)
    seller_id = tenant.seller_ids[0]
    seller = issue_token(tokens, user_id=seller_id, tenant_id=tenant.id, ttl_seconds=3600)

    with api_and_baseline(url, 8601) as (api, raw), serve("server.app:app_from_env", 8603, without_rls) as owner:
        cases: list[Case] = [
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
                "no RLS  admin: 50 customers + tags",
                owner + "/graphql",
                {"query": PAGE},
                {"Authorization": f"Bearer {admin}"},
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
            (
                "no RLS  seller: 50 customers + tags",
                owner + "/graphql",
                {"query": PAGE},
                {"Authorization": f"Bearer {seller}"},
            ),
        ]
        medians = run_rounds(cases, args)
    report_against_baseline(
        medians,
        f"{args.customers} customers in the tenant; medians of {args.rounds} rounds of {args.seconds}s, "
        f"{args.connections} connections",
    )
    for who in ("admin", "seller"):
        with_rls, without = (
            medians[f"graphql {who}: 50 customers + tags"],
            medians[f"no RLS  {who}: 50 customers + tags"],
        )
        print(f"row-level security, {who}: {with_rls.rps / without.rps:.3f} of the requests/s without it")


if __name__ == "__main__":
    main()
