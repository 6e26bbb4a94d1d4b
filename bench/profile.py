"""The customer profile and a nested page, through the GraphQL API and through one raw SQL
statement each (asyncpg, JSON built in PostgreSQL), measured in the same run.

    .venv/bin/python -m bench.profile [--customers 20000] [--rounds 3] [--seconds 8]

Scenarios: (1) one customer's profile: owner, teams, tags, the last 20 timeline entries, open
tasks, the last conversation with its last 10 messages; (2) a page of 50 customers with tags,
open tasks and the last note. Prints requests/s, p50 and p99 (medians over rounds) and API/raw.
"""

from __future__ import annotations

import asyncio

import asyncpg

from authz.tokens import TokenConfig, issue_token
from bench.harness import (
    BENCH_SECRET,
    Case,
    api_and_baseline,
    database_url,
    load_arguments,
    report_against_baseline,
    run_rounds,
)
from bench.seed import migrate_bench, seed_activities, seed_tenant
from server.database import asyncpg_params

PROFILE = """
query Profile($id: ID!) {
  customer(id: $id) {
    id name email phone
    owner { name }
    teams { name }
    tags { name }
    timeline(first: 20) { nodes { __typename
      ... on Note { body } ... on Task { title } ... on Conversation { channel } ... on Appointment { title }
      ... on Purchase { amount } ... on HistoryEntry { kind } } }
    openTasks { title responsible { name } }
    lastConversation { channel messages(first: 10) { nodes { body direction author { name } } } }
  }
}
"""
NESTED = """
query Page { customers(first: 50) { nodes { id name tags { name } openTasks { title dueAt responsible { name } }
  lastNote { body author { name } } } } }
"""


async def busy_customer(url: str, tenant_id: object) -> str:
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        row = await conn.fetchrow(
            "SELECT c.id FROM customer c JOIN conversation v ON v.customer_id = c.id WHERE c.tenant_id = $1 "
            "ORDER BY c.created_at DESC LIMIT 1",
            tenant_id,
        )
        return str(row["id"])
    finally:
        await conn.close()


def main() -> None:
    args = load_arguments(__doc__)

    url = database_url("crm_bench")
    asyncio.run(migrate_bench(url))
    tenant = asyncio.run(seed_tenant(url, "bench", args.customers))
    asyncio.run(seed_activities(url, tenant))
    customer_id = asyncio.run(busy_customer(url, tenant.id))
    token = issue_token(
        TokenConfig(BENCH_SECRET, "crm"), user_id=tenant.admin_id, tenant_id=tenant.id, ttl_seconds=3600
    )
    auth = {"Authorization": f"Bearer {token}"}
    with api_and_baseline(url, 8611) as (api, raw):
        cases: list[Case] = [
            ("graphql profile", api + "/graphql", {"query": PROFILE, "variables": {"id": customer_id}}, auth),
            ("raw     profile", raw + "/raw", {"query": "profile", "params": [customer_id, str(tenant.id)]}, {}),
            ("graphql 50 customers + tags, open tasks, last note", api + "/graphql", {"query": NESTED}, auth),
            (
                "raw     50 customers + tags, open tasks, last note",
                raw + "/raw",
                {"query": "customers_nested", "params": [str(tenant.id), None, 50]},
                {},
            ),
        ]
        medians = run_rounds(cases, args)
    report_against_baseline(
        medians,
        f"{args.customers} customers; medians of {args.rounds} rounds of {args.seconds}s, "
        f"{args.connections} connections",
    )


if __name__ == "__main__":
    main()
