"""The read model against its peers: this API, the raw baseline and PostGraphile 5, in one run.

    .venv/bin/python -m bench.read_model [--customers 100000] [--rounds 2] [--seconds 8] [--connections 16]
                                         [--only page,profile,search,seller]

Dataset (bench/seed.py ``seed_read_model``, database ``crm_bench_read``, reused while its seed
version and size match): one tenant of ``--customers`` customers with 0-4 tags, 0-6 notes and
0-4 tasks (open and done, with responsibles) each, and three small tenants; plus the indexes
PostGraphile's plans need (``PEER_INDEXES``: it joins children by customer_id alone).

Scenarios, each asked of the three peers one after the other, round after round:
- page of 50 active customers (the API's default list) with tags, the last 3 notes and the open
  tasks, as the admin and as a seller (the API: the seller's own token; raw: the seller's scope,
  ``owner_id = seller``; PostGraphile, which knows nothing of our roles: ``condition: {ownerId}``);
- one profile: owner, tags, the last 20 notes with their authors, 20 tasks with responsibles;
- name-prefix search, 20 rows (the API: ``customers(first: 20, search: "Mar")``; raw: the same
  range on the name index). PostGraphile's amber preset has no prefix filter: it answers the
  nearest thing it offers, the first 20 active customers by ``SEARCH_TEXT_ASC`` (other rows,
  same amount of work for an index).

Before the rounds the API's whole answer is compared with raw's (they build the same document)
and PostGraphile's rows with raw's. Per scenario and peer: requests/s, p50 and p99 (medians over
rounds), the ratio to raw and to PostGraphile, CPU per request of the server's process tree
(utime + stime from /proc before and after each load, over the requests answered), CPU per request
of the PostgreSQL backends serving the bench database, and, for the API, SQL statements per
request (bench/statements.py); then the issue's targets, met or missed, and the table as JSON in
bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from uuid import UUID

import asyncpg

from authz.tokens import TokenConfig, issue_token
from bench.harness import (
    BENCH_SECRET,
    ROOT,
    Result,
    Server,
    api_env,
    check,
    database_url,
    free_port,
    load,
    median_result,
    process_cpu_seconds,
    serving,
    serving_postgraphile,
    tree_cpu_seconds,
)
from bench.seed import BenchTenant, ensure_peer_indexes, seed_read_model
from bench.statements import statements_per_request
from resolvers.text import fold
from schema.node import to_global_id
from server.database import asyncpg_params

PEERS = ("api", "raw", "postgraphile")

API_PAGE = """query Page { customers(first: 50) { nodes { id name tags { name }
  notes(first: 3) { nodes { body } } openTasks { title dueAt responsible { name } } } } }"""
API_PROFILE = """query Profile($id: ID!) { customer(id: $id) { id name email phone owner { name } tags { name }
  notes(first: 20) { nodes { body createdAt author { name } } }
  tasks(first: 20) { nodes { title status dueAt responsible { name } } } } }"""
API_SEARCH = """query Search($q: String!) { customers(first: 20, search: $q) { nodes { id name email phone } } }"""

# PostGraphile 5 (amber preset) names relations after their foreign keys and offers conditions and
# orders on indexed columns only (bench/seed.py's PEER_INDEXES). Like the API's default list, the
# pages hold active customers; no merged_into_id condition (partial indexes only): the bench data
# has no merged customers.
PG_PAGE_FIELDS = """nodes { id name customerTagsByCustomerId { nodes { tagByTagId { name } } }
  notesByCustomerId(first: 3, orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) { nodes { body } }
  tasksByCustomerId(condition: {status: "open"}, orderBy: [DUE_AT_ASC, PRIMARY_KEY_ASC]) {
    nodes { title dueAt appUserByResponsibleId { name } } } }"""
PG_PAGE = f"""query Page($tenant: UUID!) {{ allCustomers(first: 50, condition: {{tenantId: $tenant, status: "active"}},
  orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) {{ {PG_PAGE_FIELDS} }} }}"""
PG_PAGE_OWNED = f"""query Page($tenant: UUID!, $owner: UUID!) {{ allCustomers(first: 50,
  condition: {{tenantId: $tenant, ownerId: $owner, status: "active"}}, orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) {{
  {PG_PAGE_FIELDS} }} }}"""
PG_PROFILE = """query Profile($id: UUID!) { customerByRowId(rowId: $id) { id name email phone
  appUserByOwnerId { name } customerTagsByCustomerId { nodes { tagByTagId { name } } }
  notesByCustomerId(first: 20, orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC]) {
    nodes { body createdAt appUserByAuthorId { name } } }
  tasksByCustomerId(first: 20, orderBy: [DUE_AT_ASC, PRIMARY_KEY_ASC]) {
    nodes { title status dueAt appUserByResponsibleId { name } } } } }"""
PG_SEARCH = """query Search($tenant: UUID!) { allCustomers(first: 20, condition: {tenantId: $tenant, status: "active"},
  orderBy: [SEARCH_TEXT_ASC, PRIMARY_KEY_ASC]) { nodes { id name email phone } } }"""


@dataclass
class Request:
    """One peer's form of a scenario: where to POST what."""

    path: str
    body: dict
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Measure:
    result: Result
    app_cpu_ms: float
    db_cpu_ms: float


@dataclass
class Row:
    scenario: str
    peer: str
    result: Result
    app_cpu_ms: float
    db_cpu_ms: float
    statements: float | None
    vs_raw: float
    vs_postgraphile: float


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load per scenario and peer")
    parser.add_argument("--only", default="", help="comma-separated words: the scenarios whose name holds one")
    return parser.parse_args()


async def _profile_customer(url: str, tenant: BenchTenant) -> str:
    """The newest customer with an owner and the most tags, notes and tasks."""
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        return str(
            await conn.fetchval(
                """SELECT c.id FROM customer c WHERE c.tenant_id = $1 AND c.owner_id IS NOT NULL
                   ORDER BY (SELECT count(*) FROM note n WHERE n.tenant_id = $1 AND n.customer_id = c.id)
                          + (SELECT count(*) FROM task k WHERE k.tenant_id = $1 AND k.customer_id = c.id)
                          + (SELECT count(*) FROM customer_tag t WHERE t.tenant_id = $1 AND t.customer_id = c.id) DESC,
                            c.created_at DESC
                   LIMIT 1""",
                tenant.id,
            )
        )
    finally:
        await conn.close()


def scenarios(tenant: BenchTenant, profile_id: str, prefix: str) -> dict[str, dict[str, Request]]:
    tokens = TokenConfig(BENCH_SECRET, "crm")
    seller = tenant.seller_ids[0]

    def bearer(user: UUID) -> dict[str, str]:
        token = issue_token(tokens, user_id=user, tenant_id=tenant.id, ttl_seconds=86400)
        return {"Authorization": f"Bearer {token}"}

    admin_auth, seller_auth = bearer(tenant.admin_id), bearer(seller)
    t, s = str(tenant.id), str(seller)
    folded = fold(prefix)
    after = folded[:-1] + chr(ord(folded[-1]) + 1)
    return {
        "page of 50 + tags, 3 notes, open tasks (admin)": {
            "api": Request("/graphql", {"query": API_PAGE}, admin_auth),
            "raw": Request("/raw", {"query": "read_page", "params": [t, 50]}),
            "postgraphile": Request("/graphql", {"query": PG_PAGE, "variables": {"tenant": t}}),
        },
        "page of 50 + tags, 3 notes, open tasks (seller)": {
            "api": Request("/graphql", {"query": API_PAGE}, seller_auth),
            "raw": Request("/raw", {"query": "read_page_owned", "params": [t, 50, s]}),
            "postgraphile": Request("/graphql", {"query": PG_PAGE_OWNED, "variables": {"tenant": t, "owner": s}}),
        },
        "profile: owner, tags, notes + authors, tasks": {
            "api": Request(
                "/graphql",
                {"query": API_PROFILE, "variables": {"id": to_global_id("Customer", profile_id)}},  # type: ignore[arg-type]
                admin_auth,
            ),
            "raw": Request("/raw", {"query": "read_profile", "params": [profile_id, t]}),
            "postgraphile": Request("/graphql", {"query": PG_PROFILE, "variables": {"id": profile_id}}),
        },
        f"name-prefix search {prefix!r}, 20 rows": {
            "api": Request("/graphql", {"query": API_SEARCH, "variables": {"q": prefix}}, admin_auth),
            "raw": Request("/raw", {"query": "name_prefix", "params": [t, folded, after, 20]}),
            "postgraphile": Request("/graphql", {"query": PG_SEARCH, "variables": {"tenant": t}}),
        },
    }


async def _settle(url: str) -> None:
    """Wait (up to a minute) until no statement runs on the bench database: a load generator that
    hung up may leave queries behind, which would be charged to the next peer."""
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        for _ in range(600):
            busy = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state = 'active'"
            )
            if not busy:
                return
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


async def _backend_cpu(url: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to the bench database."""
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        pids = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return sum(process_cpu_seconds(r["pid"]) for r in pids)


def measure(server: Server, request: Request, url: str, args: argparse.Namespace) -> Measure:
    app_before, db_before = tree_cpu_seconds(server.pid), asyncio.run(_backend_cpu(url))
    result = load(server.url + request.path, request.body, request.headers, args.seconds, args.connections)
    asyncio.run(_settle(url))
    app_after, db_after = tree_cpu_seconds(server.pid), asyncio.run(_backend_cpu(url))
    per = 1000 / max(result.requests, 1)
    return Measure(result, (app_after - app_before) * per, max(db_after - db_before, 0.0) * per)


@contextmanager
def peers(url: str) -> Iterator[dict[str, Server]]:
    with ExitStack() as stack:
        yield {
            "api": stack.enter_context(serving("server.app:app_from_env", free_port(), api_env(url))),
            "raw": stack.enter_context(
                serving("bench.raw_baseline:create_app", free_port(), {"BENCH_DATABASE_URL": url})
            ),
            "postgraphile": stack.enter_context(serving_postgraphile(url, free_port())),
        }


def _names(payload: dict) -> list[str]:
    """The names in the answer's top list (or its one object)."""
    (top,) = payload["data"].values()
    return [n["name"] for n in top["nodes"]] if "nodes" in top else [top["name"]]


def main() -> None:
    args = arguments()
    url = database_url("crm_bench_read")
    started = time.time()
    tenant = asyncio.run(seed_read_model(url, args.customers))
    asyncio.run(ensure_peer_indexes(url))
    print(f"dataset ready in {time.time() - started:.0f}s: {tenant.customers} customers", flush=True)
    profile_id = asyncio.run(_profile_customer(url, tenant))
    cases = scenarios(tenant, profile_id, "Mar")
    if args.only:
        words = [w.strip() for w in args.only.split(",") if w.strip()]
        cases = {name: c for name, c in cases.items() if any(w in name for w in words)}
    statements = asyncio.run(
        statements_per_request(api_env(url), {name: (c["api"].body, c["api"].headers) for name, c in cases.items()})
    )
    measured: dict[tuple[str, str], list[Measure]] = {}
    with peers(url) as servers:
        for name, by_peer in cases.items():
            answers = {peer: check(servers[peer].url + r.path, r.body, r.headers) for peer, r in by_peer.items()}
            # The API and raw answer the same document; PostGraphile's has its own shape: same rows?
            api = "same answer as raw" if answers["api"] == answers["raw"] else "ANSWER DIFFERS FROM RAW"
            same_rows = _names(answers["postgraphile"]) == _names(answers["raw"])
            pgl = "same rows" if same_rows else "other rows"
            print(f"{name}: {len(_names(answers['raw']))} rows; api: {api}; postgraphile: {pgl}", flush=True)
        # Node's JIT and each pool's connections and prepared statements warm up before round 1.
        for by_peer in cases.values():
            for peer in PEERS:
                if args.warmup:
                    request = by_peer[peer]
                    load(servers[peer].url + request.path, request.body, request.headers, args.warmup, args.connections)
        for round_no in range(1, args.rounds + 1):
            for name, by_peer in cases.items():
                for peer in PEERS:
                    m = measure(servers[peer], by_peer[peer], url, args)
                    measured.setdefault((name, peer), []).append(m)
                    print(
                        f"round {round_no}: {name} / {peer}: {m.result.rps:.1f} req/s, "
                        f"app {m.app_cpu_ms:.2f} ms CPU/req, db {m.db_cpu_ms:.2f}",
                        flush=True,
                    )
    rows = table(measured, statements)
    heading = (
        f"{tenant.customers} customers; medians of {args.rounds} interleaved rounds of {args.seconds}s, "
        f"{args.connections} connections"
    )
    print_table(rows, heading)
    print_targets(rows)
    save(rows, heading)


def table(measured: dict[tuple[str, str], list[Measure]], statements: dict[str, float]) -> list[Row]:
    medians = {
        key: (
            median_result([m.result for m in ms]),
            statistics.median(m.app_cpu_ms for m in ms),
            statistics.median(m.db_cpu_ms for m in ms),
        )
        for key, ms in measured.items()
    }
    rows = []
    for (name, peer), (result, app_cpu, db_cpu) in medians.items():
        raw, pgl = medians[(name, "raw")][0], medians[(name, "postgraphile")][0]
        rows.append(
            Row(
                name,
                peer,
                result,
                app_cpu,
                db_cpu,
                statements.get(name) if peer == "api" else None,
                result.rps / raw.rps,
                result.rps / pgl.rps,
            )
        )
    return rows


def _ratio(result: Result, other: Result) -> float:
    return result.rps / other.rps if other.rps else float("inf")


def print_table(rows: list[Row], heading: str) -> None:
    print(f"\n{heading}")
    print(
        f"{'peer':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs raw':>8}{'vs PG5':>8}"
        f"{'app CPU ms/req':>16}{'db CPU ms/req':>15}{'SQL/req':>9}"
    )
    scenario = None
    for row in rows:
        if row.scenario != scenario:
            scenario = row.scenario
            print(scenario)
        sql = f"{row.statements:.1f}" if row.statements is not None else ""
        r = row.result
        print(
            f"  {row.peer:<12}{r.rps:>9.1f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{row.vs_raw:>8.2f}{row.vs_postgraphile:>8.2f}"
            f"{row.app_cpu_ms:>16.2f}{row.db_cpu_ms:>15.2f}{sql:>9}"
        )


def print_targets(rows: list[Row]) -> None:
    """The issue's targets for the API, each with its figure from this run."""
    print("\ntargets (the API)")
    for row in rows:
        if row.peer != "api":
            continue
        checks = [(f"{row.vs_raw:.2f} of raw", ">= 0.5", row.vs_raw >= 0.5)]
        if row.scenario.startswith("page"):
            checks.append((f"{row.vs_postgraphile:.2f} of PostGraphile", "> 1", row.vs_postgraphile > 1))
            checks.append((f"{row.app_cpu_ms:.2f} ms CPU/request", "< 1.5", row.app_cpu_ms < 1.5))
        if row.statements is not None:
            checks.append((f"{row.statements:.1f} statements/request", "<= 2", row.statements <= 2))
        print(f"  {row.scenario}")
        for figure, target, met in checks:
            print(f"    {'met   ' if met else 'missed'}  {figure} (target {target})")


def save(rows: list[Row], heading: str) -> None:
    """The table as JSON in bench/results/ (not versioned), for comparing runs."""
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = Path(out / f"read_model-{time.strftime('%Y%m%dT%H%M%S')}.json")
    path.write_text(json.dumps({"heading": heading, "rows": [asdict(r) for r in rows]}, indent=1))
    print(f"\nsaved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
