"""What observing a request costs (request id, log line, metrics, statement meter), end to end in
one process: the same app with and without it, interleaved rounds, medians of CPU time per request
(the client's share included, the same on both sides).

    .venv/bin/python -m bench.observability [--rounds 7] [--requests 200]

Traces are off (as without an OTel exporter); the request line is formatted as JSON (production)
and written to /dev/null.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from typing import Any

import httpx

from authz.tokens import TokenConfig, issue_token
from bench.harness import BENCH_SECRET, database_url
from bench.seed import migrate_bench, seed_tenant
from server import request_stats
from server.app import create_app
from server.logs import formatter
from server.request_observer import RequestObserver
from server.settings import Settings

QUERIES = {
    "me (no statement)": "query Me { me { role } }",
    "50 customers + tags": "query Page { customers(first: 50) { edges { node { id name email tags { name } } } } }",
}


def quiet_meter(on: bool) -> None:
    logger = logging.getLogger(request_stats.STATEMENT_LOGGER)
    if on:
        request_stats.install_statement_meter(log_statements=False)
    else:
        logger.filters.clear()
        logger.setLevel(logging.WARNING)


async def timed(client: httpx.AsyncClient, query: str, token: str, n: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    started = time.process_time()  # this process's CPU: the other processes of a shared machine don't count
    for _ in range(n):
        response = await client.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200 and "errors" not in response.json(), response.text
    return (time.process_time() - started) / n * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    url = database_url("crm_bench_observability")
    await migrate_bench(url)
    tenant = await seed_tenant(url, "observed", 200)
    token = issue_token(
        TokenConfig(BENCH_SECRET, "crm"), user_id=tenant.admin_id, tenant_id=tenant.id, ttl_seconds=3600
    )

    settings = Settings(env="production", jwt_secret=BENCH_SECRET, inprocess_worker=False)
    handler = logging.FileHandler("/dev/null")
    handler.setFormatter(formatter(settings))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    logging.logThreads = logging.logMultiprocessing = False  # as server/logs.py sets them

    observed = create_app(settings, url)
    plain = create_app(settings, url)
    plain.user_middleware = [m for m in plain.user_middleware if m.cls is not RequestObserver]
    async with observed.router.lifespan_context(observed):
        clients: dict[bool, Any] = {
            on: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            for on, app in ((True, observed), (False, plain))
        }
        for name, query in QUERIES.items():
            times: dict[bool, list[float]] = {True: [], False: []}
            for on in (True, False):  # warm up
                quiet_meter(on)
                await timed(clients[on], query, token, 20)
            for _ in range(args.rounds):
                for on in (False, True):
                    quiet_meter(on)
                    times[on].append(await timed(clients[on], query, token, args.requests))
            off, on_ = statistics.median(times[False]), statistics.median(times[True])
            print(f"{name:<22} without {off * 1000:7.0f} µs  with {on_ * 1000:7.0f} µs  "
                  f"overhead {(on_ - off) * 1000:5.0f} µs ({(on_ / off - 1) * 100:+.1f}%)")  # fmt: skip
        for client in clients.values():
            await client.aclose()


if __name__ == "__main__":
    asyncio.run(main())
