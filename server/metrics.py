"""Prometheus metrics (prometheus-client): what the HTTP layer records, and the ``/metrics`` page.

Several worker processes (``crm run --workers N``) share one view through prometheus-client's
multiprocess mode: each process writes its samples to files under ``PROMETHEUS_MULTIPROC_DIR``
(``crm run`` provides a fresh folder when it starts more than one worker) and whichever process
answers a scrape reads them all. The job queue is read from PostgreSQL when scraped.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from tortoise import connections

from resolvers.jobs.depth import QueueDepth, queue_depth
from server.request_stats import RequestStats

log = logging.getLogger("crm.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "crm_graphql_requests",
    "GraphQL requests by operation name and outcome (ok, or the class of the first error's code).",
    ["operation", "outcome"],
)
DURATION = Histogram(
    "crm_graphql_request_duration_seconds",
    "Time from the request's arrival to its answer, by operation name.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
STATEMENTS = Histogram(
    "crm_sql_statements_per_request",
    "SQL statements one GraphQL request sent.",
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100),
)
SQL_SECONDS = Histogram(
    "crm_sql_seconds_per_request",
    "Time one GraphQL request's statements spent in PostgreSQL.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
POOL = Gauge(
    "crm_db_pool_connections",
    "Connections of the database pool (summed over live worker processes): open, in use, and the most allowed.",
    ["state"],
    multiprocess_mode="livesum",
)

# Operation names are chosen by clients: past this many per process, new ones are counted as "other".
MAX_OPERATIONS = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_operations: set[str] = set()

# The codes this service answers with; any other is counted as "error".
_OUTCOMES = frozenset(
    {
        "UNAUTHENTICATED", "FORBIDDEN", "BAD_REQUEST", "BAD_USER_INPUT", "QUERY_TOO_COMPLEX", "TIMEOUT",
        "INTERNAL_SERVER_ERROR", "PAYLOAD_TOO_LARGE", "METHOD_NOT_ALLOWED", "NOT_ACCEPTABLE", "UNSUPPORTED_MEDIA_TYPE",
    }
)  # fmt: skip


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _operations:
        return name
    if not _NAME.fullmatch(name):
        return "other"
    if len(_operations) >= MAX_OPERATIONS:
        return "other"
    _operations.add(name)
    return name


def outcome_of(codes: Iterable[object]) -> str:
    """ "ok" when the answer has no error, else the first error's code in lower case (or "error")."""
    for code in codes:
        return str(code).lower() if code in _OUTCOMES else "error"
    return "ok"


# The labelled children, per (operation, outcome): ``labels()`` costs more than the increment.
_children: dict[tuple[str, str], tuple[Any, Any]] = {}


def observe_graphql(stats: RequestStats, seconds: float) -> None:
    key = (stats.operation or "", stats.outcome or "ok")
    children = _children.get(key)
    if children is None:
        operation = operation_label(stats.operation)
        children = _children[key] = (REQUESTS.labels(operation, key[1]), DURATION.labels(operation))
        if len(_children) > 4 * MAX_OPERATIONS:  # names past the cap all map to "other": keep the cache small
            _children.clear()
    requests, duration = children
    requests.inc()
    duration.observe(seconds)
    STATEMENTS.observe(stats.statements)
    SQL_SECONDS.observe(stats.sql_seconds)


def sample_pool() -> None:
    pool = getattr(connections.get("default"), "_pool", None)  # None until the first statement
    if pool is None:
        return
    size = pool.get_size()
    POOL.labels("open").set(size)
    POOL.labels("in_use").set(size - pool.get_idle_size())


async def sample_pool_every(seconds: float, max_size: int) -> None:
    """This process's pool, sampled now and then (a scrape reaches one process of several)."""
    POOL.labels("max").set(max_size)
    while True:
        try:
            sample_pool()
        except Exception:  # the ORM going down must not end the loop's process
            log.debug("pool not sampled", exc_info=True)
        await asyncio.sleep(seconds)


class QueueCollector(Collector):
    """The job queue as read just before a scrape (one GROUP BY over pgqueuer's small table)."""

    def __init__(self, depths: list[QueueDepth]) -> None:
        self.depths = depths

    def collect(self) -> Iterable[Metric]:
        queued = GaugeMetricFamily(
            "crm_jobs_queued", "Jobs waiting on the queue, per entrypoint.", labels=["entrypoint"]
        )
        age = GaugeMetricFamily(
            "crm_jobs_oldest_queued_age_seconds",
            "How long the oldest waiting job has waited, per entrypoint (0 when none waits).",
            labels=["entrypoint"],
        )
        running = GaugeMetricFamily("crm_jobs_running", "Jobs being run, per entrypoint.", labels=["entrypoint"])
        for depth in self.depths:
            queued.add_metric([depth.entrypoint], depth.queued)
            waited = depth.oldest_queued_age.total_seconds() if depth.oldest_queued_age else 0.0
            age.add_metric([depth.entrypoint], waited)
            running.add_metric([depth.entrypoint], depth.running)
        return [queued, age, running]


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess_dir(folder: Path) -> None:
    """Empty the samples a previous run left (prometheus-client asks for it between runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)


def forget_this_process() -> None:
    """A stopping worker's live gauges leave the sums (multiprocess mode only)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())


class MetricsEndpoint:
    """``GET /metrics``. With CRM_METRICS_TOKEN set it needs ``Authorization: Bearer <token>``;
    without one it is open in development and refused in production."""

    def __init__(self, token: str | None, *, development: bool) -> None:
        self.token = token.encode() if token else None
        self.open = development and not token

    def allowed(self, request: Request) -> bool:
        if self.open:
            return True
        if self.token is None:
            return False
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token)

    async def page(self, request: Request) -> Response:
        if not self.allowed(request):
            reason = "a bearer token (CRM_METRICS_TOKEN)" if self.token else "CRM_METRICS_TOKEN to be set"
            return PlainTextResponse(
                f"/metrics needs {reason}.\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        sample_pool()  # this process's, afresh; the others' as last sampled
        try:
            depths = await asyncio.wait_for(queue_depth(), timeout=2)
        except Exception as exc:  # a scrape still answers when the queue can't be read
            log.warning("job queue not read for /metrics: %s", exc)
            depths = []
        registry = CollectorRegistry()
        if multiprocess_dir():
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = REGISTRY
        extra = CollectorRegistry()
        extra.register(QueueCollector(depths))
        body = generate_latest(registry) + generate_latest(extra)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
