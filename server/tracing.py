"""OpenTelemetry traces: off unless an exporter is configured with the standard OTel variables.

``OTEL_TRACES_EXPORTER`` (``otlp``, ``console``, or ``none``; several with commas) or an OTLP endpoint
(``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) turns them on; then every
HTTP request gets a server span (opentelemetry-instrumentation-asgi) and every statement a client span
(opentelemetry-instrumentation-asyncpg; statement text only, never its parameters). Off, nothing is
instrumented and no request pays for it. The OTLP exporter is the optional extra ``crm[otlp]``.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from starlette.middleware import Middleware

from server.settings import Settings, SettingsError


def exporter_names(settings: Settings) -> list[str]:
    """The exporters asked for; none means tracing is off."""
    if settings.otel_sdk_disabled:
        return []
    if settings.otel_traces_exporter:
        names = [name.strip().lower() for name in settings.otel_traces_exporter.split(",") if name.strip()]
        return [name for name in names if name != "none"]
    if settings.otel_exporter_otlp_endpoint or settings.otel_exporter_otlp_traces_endpoint:
        return ["otlp"]
    return []


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            raise SettingsError(
                "OTEL traces go to an OTLP endpoint, but its exporter is not installed: "
                "pip install 'crm[otlp]' (or set OTEL_TRACES_EXPORTER=console or none)."
            ) from None
        return OTLPSpanExporter()  # it reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself
    raise SettingsError(f"OTEL_TRACES_EXPORTER={name!r} is not supported: use otlp, console or none.")


def tracer_provider(settings: Settings) -> TracerProvider | None:
    """A provider exporting to the configured exporters, or None when tracing is off."""
    names = exporter_names(settings)
    if not names:
        return None
    # Resource.create also reads OTEL_RESOURCE_ATTRIBUTES (the service name given here wins).
    provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
    for name in names:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    return provider


def instrument(provider: TracerProvider) -> Middleware:
    """Instrument asyncpg (process-wide) and answer the ASGI middleware that opens server spans."""
    instrumentor: Any = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
    return Middleware(
        OpenTelemetryMiddleware,
        tracer_provider=provider,
        excluded_urls="healthz,readyz,metrics",
        exclude_spans=["receive", "send"],
    )


def uninstrument() -> None:
    instrumentor: Any = AsyncPGInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
