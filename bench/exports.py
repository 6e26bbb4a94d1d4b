"""Customer export: rows/s and the peak RSS of the process writing the file.

    python -m bench.exports                       # 1,000,000 customers, CSV and XLSX, 3 rounds
    python -m bench.exports --rows 100000 --formats csv --rounds 5

One company of ``--rows`` customers (COPY, bench/seed.py: tags, owners, two custom fields) is
exported as its admin sees it, whole, by a fresh child process per round and format, exactly as
the background job writes it (resolvers/exports/produce.py: server-side cursor, batches, the
format's writer, a temporary file). Printed per round: rows, seconds, rows/s, the child's peak RSS
(VmHWM) and the file's size; then the medians. Targets: CSV >= 50,000 rows/s, RSS < 300 MB.
The machine is shared: compare within a run, never across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any

from tortoise.context import TortoiseContext

from bench.harness import ROOT, database_url
from bench.seed import migrate_bench, seed_tenant
from server.database import tortoise_config

DATABASE = "crm_bench_exports"
SEGMENTS = ["Varejo", "Atacado", "Serviços", "Indústria"]


def _custom(i: int, rng: random.Random) -> dict[str, Any]:
    return {"segmento": rng.choice(SEGMENTS), "visitas": rng.randint(0, 50)}


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def child(url: str, tenant_id: str, admin_id: str, fmt: str) -> None:
    """One export in this process; prints a JSON line with its figures."""
    from authz import policy_store
    from authz.access import Access
    from authz.authenticate import principal_for
    from authz.policy_store import PolicyStore
    from models import ExportFormat
    from resolvers.exports.arguments import ExportArguments
    from resolvers.exports.produce import write_export

    policy_store.install(PolicyStore(ROOT / "policies"))
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, statement_timeout_ms=0))
        principal = await principal_for(uuid.UUID(tenant_id), user_id=uuid.UUID(admin_id), api_key_id=None)
        access = Access(principal, policy_store.current_policy())
        with tempfile.TemporaryFile(prefix="crm-bench-export-") as out:
            started = time.perf_counter()
            rows = await write_export(access, ExportArguments(), ExportFormat(fmt), out)
            seconds = time.perf_counter() - started
            size = out.tell()
    print(json.dumps({"rows": rows, "seconds": seconds, "rss_mb": _peak_rss_mb(), "bytes": size}))


def _run_child(url: str, tenant: Any, fmt: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.exports", "--child", fmt, str(tenant.id), str(tenant.admin_id)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**__import__("os").environ, "CRM_BENCH_EXPORT_URL": url},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def _prepare(url: str, rows: int) -> Any:
    await migrate_bench(url)
    tenant = await seed_tenant(url, f"export-{rows}", rows, custom_values=_custom)
    # The two custom fields the rows hold, so the export has their columns.
    import asyncpg

    from server.database import asyncpg_params

    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        for position, (key, label, kind) in enumerate(
            (("segmento", "Segmento", "text"), ("visitas", "Visitas", "number"))
        ):
            await conn.execute(
                "INSERT INTO custom_field (id, tenant_id, key, label, type, position) VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT DO NOTHING",
                uuid.uuid4(), tenant.id, key, label, kind, position,
            )  # fmt: skip
        # As autovacuum would have by now: the visibility map lets the tag lookups skip the heap.
        for table in ("customer", "customer_tag", "tag", "app_user"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return tenant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--child", nargs=3, metavar=("FORMAT", "TENANT", "ADMIN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url = __import__("os").environ["CRM_BENCH_EXPORT_URL"]
        asyncio.run(child(url, args.child[1], args.child[2], args.child[0]))
        return
    url = database_url(DATABASE)
    tenant = asyncio.run(_prepare(url, args.rows))
    print(f"{args.rows:,} customers, formats {args.formats}, {args.rounds} rounds", flush=True)
    results: dict[str, list[dict[str, Any]]] = {}
    for n in range(args.rounds):
        for fmt in args.formats.split(","):
            r = _run_child(url, tenant, fmt)
            results.setdefault(fmt, []).append(r)
            print(
                f"round {n + 1} {fmt}: {r['rows']:,} rows in {r['seconds']:.1f} s = {r['rows'] / r['seconds']:,.0f} rows/s"
                f" | peak RSS {r['rss_mb']:.0f} MB | file {r['bytes'] / 1e6:.0f} MB",
                flush=True,
            )
    for fmt, runs in results.items():
        rps = statistics.median(r["rows"] / r["seconds"] for r in runs)
        rss = statistics.median(r["rss_mb"] for r in runs)
        print(f"median {fmt}: {rps:,.0f} rows/s | peak RSS {rss:.0f} MB ({len(runs)} runs)")


if __name__ == "__main__":
    main()
