"""The Starlette application: /graphql, /healthz, /readyz, and the lifespan that owns the pool
(and, unless CRM_INPROCESS_WORKER=false, a job worker)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise import connections
from tortoise.contrib.starlette import RegisterTortoise

from authz import authenticate, policy_store
from authz.policy_store import PolicyStore
from authz.tokens import TokenConfig
from models.tenancy import service_scope
from resolvers import cursors
from resolvers.exports import config as export_config
from resolvers.jobs.handlers import load_handlers
from schema.schema import Limits, build_schema
from server import change_events, idempotency, metrics, request_stats, service_role, tracing
from server.database import app_database_url, resolve_database_url, tortoise_config
from server.export_routes import ExportRoutes
from server.graphql_ide import GraphiQLIde
from server.graphql_view import GraphQLView
from server.import_routes import ImportRoutes
from server.logs import configure_logging
from server.notifier import install_notifier
from server.outages import DatabaseOutage
from server.rate_limits import RateLimiter, RateLimitResponses
from server.report_routes import ReportRoutes
from server.request_observer import RequestObserver
from server.settings import Settings, get_settings
from server.webhooks import setup_webhooks
from server.worker import Worker

log = logging.getLogger("crm.app")


class BodySizeLimit:
    """Refuse request bodies over the limit before anything parses them. File uploads (multipart
    bodies to ``upload_paths``) have their own, larger limit."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_bytes: int | None = None,
        upload_paths: tuple[str, ...] = (),
        file_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes or max_bytes
        self.upload_paths = upload_paths
        self.file_paths = file_paths  # bodies that are files whatever their type (POST /imports)

    def _limit(self, scope: Scope) -> int:
        if scope.get("path") in self.file_paths:
            return self.upload_bytes
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type == b"multipart/form-data" and scope.get("path") in self.upload_paths:
            return self.upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"Request body is larger than {limit} bytes.",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                    }
                ]
            },
            status_code=413,
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class ServiceScope:
    """Each request starts with no tenant, whatever context runs it; authentication names one and
    row-level security holds the request's statements to it (models/tenancy.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with service_scope():
            await self.app(scope, receive, send)


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> JSONResponse:
    try:
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), timeout=2)
    except Exception as exc:
        log.warning("not ready: %s", exc)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def start_worker(url: str, settings: Settings) -> tuple[Worker, asyncio.Task[None]]:
    load_handlers()
    worker = Worker(url, concurrency=settings.worker_concurrency)
    return worker, asyncio.create_task(worker.run(), name="crm-job-worker")


def create_app(
    settings: Settings | None = None, database_url: str | None = None, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The app. ``tracer_provider`` overrides the one the OTel variables describe (tests pass one)."""
    settings = settings or get_settings()
    # The service connects as a role that owns nothing, under row-level security; the owner's URL
    # (DATABASE_URL) is for migrations and the CLI.
    url = app_database_url(database_url or resolve_database_url(settings), settings)
    request_stats.install_statement_meter(log_statements=settings.log_level.lower() == "debug")
    tracer_provider = tracer_provider or tracing.tracer_provider(settings)
    metrics_page = metrics.MetricsEndpoint(settings.metrics_token, development=settings.development)
    if not settings.development and not settings.metrics_token:
        log.warning("/metrics is refused to everyone: set CRM_METRICS_TOKEN to scrape it")
    policies = PolicyStore(settings.policy_dir)
    policy_store.install(policies)  # background jobs read the policy through it
    cursors.configure(settings.signing_secret())
    authenticate.configure(principal_seconds=settings.principal_cache_seconds)
    export_config.configure(inline_max_rows=settings.export_inline_max_rows)
    notifier = install_notifier(settings)
    tokens = TokenConfig(
        secret=settings.signing_secret(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_url=settings.jwks_url,
    )
    schema = build_schema(
        Limits(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_nodes=settings.max_nodes,
            statement_timeout_ms=settings.statement_timeout_ms,
            introspection=bool(settings.introspection),
            field_suggestions=bool(settings.field_suggestions),
        )
    )
    setup_webhooks(settings, schema)
    ide = GraphiQLIde.load() if settings.graphiql else None
    limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    graphql = GraphQLView(
        schema,
        policies=policies,
        tokens=tokens,
        ide=ide,
        import_max_bytes=settings.import_max_bytes,
        idempotency_config=idempotency.Config(settings.idempotency_ttl_hours * 3600, settings.idempotency_wait_ms),
        limiter=limiter,
    )

    imports = ImportRoutes(
        schema, policies=policies, tokens=tokens, max_bytes=settings.import_max_bytes, limiter=limiter
    )
    reports = ReportRoutes(policies=policies, tokens=tokens, limiter=limiter)
    exports = ExportRoutes(policies=policies, tokens=tokens, limiter=limiter)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service_role.check(url, settings)
        async with RegisterTortoise(app, config=tortoise_config(url, settings)):
            watcher = asyncio.create_task(policies.watch(settings.policy_poll_seconds))
            jobs = start_worker(url, settings) if settings.inprocess_worker else None
            on = change_events.handlers(policy_announced=policies.announced)
            changes = asyncio.create_task(change_events.listen(url, on))
            pool_sampler = asyncio.create_task(
                metrics.sample_pool_every(settings.metrics_pool_sample_seconds, settings.db_pool_max)
            )
            try:
                yield
            finally:
                pool_sampler.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pool_sampler
                metrics.forget_this_process()
                changes.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await changes
                if jobs is not None:
                    worker, running = jobs
                    worker.stop()  # the jobs in hand finish while the ORM is still up
                    await running
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    app = Starlette(
        routes=[
            Route("/graphql", graphql),  # every method: the view answers 405 itself, in the usual shape
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_page.page, methods=["GET"]),
            Route("/imports", imports.create, methods=["POST"]),
            Route("/imports/template.{kind:str}", imports.template, methods=["GET"]),
            Route("/imports/{id:str}/errors.csv", imports.errors_csv, methods=["GET"]),
            Route("/reports/{id:str}.csv", reports.csv, methods=["GET"]),
            Route("/exports/{id:str}", exports.download, methods=["GET"]),
            *(ide.routes() if ide else []),  # GraphiQL's files, only where its page is served
        ],
        middleware=[
            *([tracing.instrument(tracer_provider)] if tracer_provider else []),
            Middleware(RequestObserver),
            Middleware(ServiceScope),
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_body_bytes,
                upload_bytes=settings.import_max_bytes,
                upload_paths=("/graphql",),
                file_paths=("/imports",),
            ),
            Middleware(DatabaseOutage),
            Middleware(RateLimitResponses),
        ],
        lifespan=lifespan,
    )
    app.state.policies = policies
    app.state.schema = schema
    app.state.tokens = tokens
    app.state.imports = imports
    app.state.graphql = graphql
    app.state.notifier = notifier
    return app


def app_from_env() -> Starlette:
    """Uvicorn factory: ``uvicorn --factory server.app:app_from_env``."""
    configure_logging(get_settings())
    return create_app()
