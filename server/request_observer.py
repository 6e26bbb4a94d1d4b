"""One observation per HTTP request: its id (``X-Request-Id``), its log line, its metrics.

The id a client sends is kept when it is short and plain (letters, digits and ``._:/+=-``), so it
can't forge log lines; otherwise one is made. Either way it is echoed in the answer's header.
The log line says who asked (tenant, user or API key id), what ran and what it cost, never a
credential, a variable's value or contact data.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import metrics
from server.request_stats import RequestStats, current

log = logging.getLogger("crm.request")

HEADER_BYTES = b"x-request-id"
_PLAIN_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")
# Probes and scrapes would drown the log: they are logged at debug level.
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


def request_id(given: bytes | None) -> str:
    if given is not None and _PLAIN_ID.fullmatch(given):
        return given.decode("ascii")
    return uuid.uuid4().hex


class RequestObserver:
    def __init__(self, app: ASGIApp, *, graphql_path: str = "/graphql") -> None:
        self.app = app
        self.graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = next((value for name, value in scope["headers"] if name == HEADER_BYTES), None)
        stats = RequestStats(request_id(given))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER_BYTES, stats.request_id.encode())]
                self.describe_span(stats)  # now: the server span ends with the answer's last byte
            await send(message)

        token = current.set(stats)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current.reset(token)
            self.observe(scope, stats, status, time.perf_counter() - started)

    @staticmethod
    def describe_span(stats: RequestStats) -> None:
        span = trace.get_current_span()
        if not span.is_recording():  # tracing off (server/tracing.py)
            return
        span.set_attribute("crm.request_id", stats.request_id)
        if stats.operation:
            span.set_attribute("graphql.operation.name", stats.operation)
        if stats.outcome:
            span.set_attribute("crm.outcome", stats.outcome)

    def observe(self, scope: Scope, stats: RequestStats, status: int, seconds: float) -> None:
        path = scope.get("path", "")
        graphql = path == self.graphql_path and stats.outcome is not None
        if graphql:
            metrics.observe_graphql(stats, seconds)
        level = logging.DEBUG if path in _QUIET else logging.INFO
        if not log.isEnabledFor(level):
            return
        fields = {
            "request_id": stats.request_id,
            "method": scope.get("method"),
            "path": path,
            "status": status,
            "tenant": stats.tenant,
            "user_id": stats.user_id,
            "api_key_id": stats.api_key_id,
            "operation": stats.operation,
            "outcome": stats.outcome,
            "duration_ms": round(seconds * 1000, 2),
            "sql_statements": stats.statements,
            "sql_ms": round(stats.sql_seconds * 1000, 2),
        }
        what = f" {stats.operation or 'anonymous'} {stats.outcome}" if graphql else ""
        log.log(
            level,
            "%s %s %d%s %.1f ms, %d SQL (%.1f ms) [%s]",
            fields["method"],
            path,
            status,
            what,
            fields["duration_ms"],
            stats.statements,
            fields["sql_ms"],
            stats.request_id,
            extra=fields,
        )
