"""`crm run --workers 2`: every scrape, whichever worker answers it, shows the requests of both
(prometheus-client's multiprocess mode over a folder `crm run` makes). A real server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET
from tests.observability.test_metrics import sample
from tests.test_process_lifecycle import free_port

REQUESTS = 24


def get(url: str, body: bytes | None = None) -> str:
    headers = {"Content-Type": "application/json"} if body else {}
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as answer:
        return answer.read().decode()


@pytest.fixture
def two_workers(database_url: str, policy_dir) -> Iterator[str]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "DATABASE_URL": database_url,
        "CRM_JWT_SECRET": TEST_SECRET,
        "CRM_POLICY_DIR": str(policy_dir),
        "CRM_DB_POOL_MAX": "3",
        "CRM_INPROCESS_WORKER": "false",
        "CRM_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "run", "--port", str(port), "--workers", "2", "--no-seed"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "the server did not start"
            try:
                get(f"{base}/readyz")
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()


def test_every_scrape_counts_the_requests_of_every_worker(two_workers):
    base = two_workers
    # Both workers are up once the pools' summed maximum is twice one worker's (3 connections).
    deadline = time.monotonic() + 30
    while sample(get(f"{base}/metrics"), "crm_db_pool_connections", state="max") != 6:
        assert time.monotonic() < deadline, get(f"{base}/metrics")
        time.sleep(0.2)

    query = b'{"query": "query Ping { __typename }"}'
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: get(f"{base}/graphql", query), range(REQUESTS)))
    assert all('"__typename":"Query"' in answer for answer in answers)

    for _ in range(4):  # each scrape may reach either worker
        page = get(f"{base}/metrics")
        assert sample(page, "crm_graphql_requests_total", operation="Ping", outcome="ok") == REQUESTS
        assert sample(page, "crm_graphql_request_duration_seconds_count", operation="Ping") == REQUESTS
