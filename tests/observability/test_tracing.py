"""OpenTelemetry: a GraphQL request makes a server span and a span per statement when an exporter
is configured; with none, nothing is instrumented."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from server import tracing
from server.settings import Settings


def instrumented() -> bool:
    return hasattr(asyncpg.Connection.fetch, "__wrapped__")


@pytest.fixture
def clean_otel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OTEL_TRACES_EXPORTER",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SDK_DISABLED",
        "OTEL_SERVICE_NAME",
    ):
        monkeypatch.delenv(name, raising=False)


def test_no_exporter_configured_means_nothing_is_instrumented(app, clean_otel_env):
    assert tracing.tracer_provider(Settings()) is None
    assert tracing.tracer_provider(Settings(OTEL_TRACES_EXPORTER="none")) is None
    assert tracing.tracer_provider(Settings(OTEL_TRACES_EXPORTER="console", OTEL_SDK_DISABLED="true")) is None
    assert not any(m.cls is OpenTelemetryMiddleware for m in app.user_middleware)
    assert not instrumented()


def test_an_exporter_or_an_otlp_endpoint_turns_tracing_on(clean_otel_env):
    assert tracing.exporter_names(Settings(OTEL_TRACES_EXPORTER="console")) == ["console"]
    assert tracing.exporter_names(Settings(OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318")) == ["otlp"]
    provider = tracing.tracer_provider(Settings(OTEL_TRACES_EXPORTER="console", OTEL_SERVICE_NAME="crm-eu"))
    assert provider is not None and provider.resource.attributes["service.name"] == "crm-eu"


@pytest.fixture
async def traced(app: Any) -> Any:
    """The session's app behind the tracing middleware, spans kept in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    middleware = tracing.instrument(provider)  # what create_app puts outermost when tracing is on
    traced_app = middleware.cls(app, *middleware.args, **middleware.kwargs)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=traced_app), base_url="http://crm.test") as c:
            yield c, exporter
    finally:
        tracing.uninstrument()


async def test_a_graphql_request_makes_a_server_span_and_database_spans(traced, factory):
    client, exporter = traced
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    exporter.clear()

    response = await client.post(
        "/graphql",
        json={"query": "query Team { teams { name } me { role } }"},
        headers={"Authorization": f"Bearer {admin.token}"},
    )

    assert response.status_code == 200 and "errors" not in response.json()
    spans = exporter.get_finished_spans()
    [server] = [s for s in spans if s.kind is SpanKind.SERVER]
    assert server.attributes["graphql.operation.name"] == "Team"
    database = [s for s in spans if s.kind is SpanKind.CLIENT and s.attributes.get("db.system") == "postgresql"]
    assert database, [s.name for s in spans]
    assert all(s.context.trace_id == server.context.trace_id for s in database)
    # Statement text, never its parameters (the token's user id, a customer's e-mail...).
    assert not any("db.statement.parameters" in s.attributes for s in database)
    assert instrumented()
