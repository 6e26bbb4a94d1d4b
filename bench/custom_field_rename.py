"""Custom fields on a big tenant: the option rename cascade, and the plans of custom filters.

    .venv/bin/python -m bench.custom_field_rename [--customers 100000] [--runs 5]

Recreates its own database (``crm_bench_custom_fields``, on DATABASE_URL's server or the embedded
one) and seeds one tenant with COPY (a select field held by a third of the customers each, a
multi-select, a number and a date), then renames options back and forth through the GraphQL API
in-process and prints each run and the median: the definition, every holder's value and
``updated_at``, and one history entry per holder, in one transaction. Then prints the plans
PostgreSQL picks for filtered list pages (EXPLAIN ANALYZE) and their time through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from authz.tokens import TokenConfig, issue_token
from bench.harness import BENCH_SECRET, database_url
from bench.seed import BenchTenant, migrate_bench, seed_tenant
from server.app import create_app
from server.database import asyncpg_params
from server.settings import Settings

DATABASE = "crm_bench_custom_fields"
TIERS = ["Gold", "Silver", "Bronze"]
CHANNELS = ["Email", "Phone", "Shop", "WhatsApp"]
FIELDS = [
    ("tier", "select", TIERS),
    ("channels", "multi_select", CHANNELS),
    ("employees", "number", []),
    ("since", "date", []),
]
RENAME = """
mutation($input: RenameFieldOptionInput!) {
  renameFieldOption(input: $input) {
    __typename
    ... on RenameFieldOptionSuccess { updatedCustomers field { version } }
  }
}
"""


def custom_values(i: int, rng: random.Random) -> dict[str, Any]:
    return {
        "tier": TIERS[i % 3],
        "channels": sorted(rng.sample(CHANNELS, k=rng.randint(1, 2))),
        "employees": rng.randint(1, 5000),
        "since": (date(2015, 1, 1) + timedelta(days=rng.randint(0, 3650))).isoformat(),
    }


async def define_fields(url: str, tenant: BenchTenant) -> dict[str, uuid.UUID]:
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        ids = {}
        for position, (key, kind, options) in enumerate(FIELDS):
            ids[key] = await conn.fetchval(
                "INSERT INTO custom_field (tenant_id, key, label, type, options, position) "
                "VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING id",
                tenant.id,
                key,
                key.title(),
                kind,
                json.dumps(options),
                position,
            )
        return ids
    finally:
        await conn.close()


async def fresh_database(url: str) -> None:
    """A database of its own, recreated each run: renames leave values and history behind, and
    deleting 100,000 customers costs far more than starting over."""
    params = asyncpg_params(url)
    conn = await asyncpg.connect(**{**params, "database": "postgres"})
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{params["database"]}" WITH (FORCE)')
    finally:
        await conn.close()
    await migrate_bench(url)


async def run(args: argparse.Namespace) -> None:
    url = database_url(DATABASE)
    await fresh_database(url)
    started = time.perf_counter()
    tenant = await seed_tenant(url, "cfrename", args.customers, custom_values=custom_values)
    ids = await define_fields(url, tenant)
    print(f"seeded {args.customers} customers in {time.perf_counter() - started:.1f}s", flush=True)

    token = issue_token(
        TokenConfig(BENCH_SECRET, "crm"), user_id=tenant.admin_id, tenant_id=tenant.id, ttl_seconds=3600
    )
    settings = Settings(jwt_secret=BENCH_SECRET, data_dir=Path(tempfile.mkdtemp()), log_level="warning")
    app = create_app(settings, url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
            for key, pair in (("tier", ("Gold", "Premium")), ("channels", ("Email", "E-mail"))):
                timings: list[float] = []
                version = 1
                for n in range(args.runs):
                    old, new = pair if n % 2 == 0 else pair[::-1]
                    variables = {
                        "input": {
                            "fieldId": _gid(ids[key]),
                            "from": old,
                            "to": new,
                            "expectedVersion": version,
                        }
                    }
                    began = time.perf_counter()
                    response = await client.post(
                        "/graphql",
                        json={"query": RENAME, "variables": variables},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    timings.append(time.perf_counter() - began)
                    result = response.json()["data"]["renameFieldOption"]
                    assert result["__typename"] == "RenameFieldOptionSuccess", result
                    version = result["field"]["version"]
                    print(
                        f"{key} ({'select' if key == 'tier' else 'multi-select'}) {old!r} -> {new!r}: "
                        f"{result['updatedCustomers']} customers in {timings[-1] * 1000:.0f} ms",
                        flush=True,
                    )
                print(f"  median of {args.runs}: {statistics.median(timings) * 1000:.0f} ms\n", flush=True)
            await explain_filters(url, tenant, app.state.policies.current, client, token, args.runs)


FILTERS = [
    ("tier equals Silver (a third)", [{"key": "tier", "equals": "Silver"}]),
    ("employees equals 17 (rare)", [{"key": "employees", "equals": 17}]),
    ("channels holds Shop or Phone", [{"key": "channels", "oneOf": ["Shop", "Phone"]}]),
    ("since in 2020 (a tenth, range)", [{"key": "since", "min": "2020-01-01", "max": "2020-12-31"}]),
    (
        "employees 100..120 and tier Silver",
        [{"key": "employees", "min": 100, "max": 120}, {"key": "tier", "equals": "Silver"}],
    ),
]
LIST = """
query($filter: CustomerFilter) {
  customers(first: 50, filter: $filter) { totalCount nodes { id customFields { key value } } }
}
"""


async def explain_filters(
    url: str, tenant: BenchTenant, policy: Any, client: httpx.AsyncClient, token: str, runs: int
) -> None:
    """The plans PostgreSQL picks for the generated list queries, and their time through the API."""
    from authz.access import Access
    from authz.principal import Principal
    from models import Role
    from models.db import fetch
    from models.sql import Sql
    from resolvers.customer_reads import customer_where, page_query

    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        await conn.execute("VACUUM ANALYZE customer")  # what autovacuum does after the renames
    finally:
        await conn.close()
    principal = Principal(tenant_id=tenant.id, tenant_slug="cfrename", role=Role.ADMIN, user_id=tenant.admin_id)
    access = Access(principal, policy)
    for name, conditions in FILTERS:
        where = await customer_where(access, filter={"customFields": conditions})
        print(f"--- {name}")
        for label, query in (
            ("page", page_query(where, 50)),
            ("count", Sql("SELECT count(*) FROM customer c WHERE ") + where),
        ):
            plan = await fetch(Sql("EXPLAIN (ANALYZE, COSTS OFF) ") + query)
            print(f"  {label}:")
            for line in plan:
                text = line["QUERY PLAN"]
                if "InitPlan" not in text and "Planning" not in text:
                    print("    " + text)
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            response = await client.post(
                "/graphql",
                json={"query": LIST, "variables": {"filter": {"customFields": conditions}}},
                headers={"Authorization": f"Bearer {token}"},
            )
            timings.append(time.perf_counter() - began)
        total = response.json()["data"]["customers"]["totalCount"]
        print(f"  API, page of 50 + totalCount ({total}): median {statistics.median(timings) * 1000:.1f} ms\n")


def _gid(pk: uuid.UUID) -> str:
    from schema.node import to_global_id

    return to_global_id("CustomField", pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
