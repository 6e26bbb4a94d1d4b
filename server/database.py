"""Where the database is, how to reach it, and how to bring its schema up to date.

With ``DATABASE_URL`` unset, an embedded PostgreSQL is started under the data folder, so that
``make run`` and ``make test`` need nothing installed beyond Python.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg

from models import MODEL_MODULES
from models.tenancy import TenantConnection, apply_tenant
from server import embedded
from server.request_stats import add_sql_time
from server.settings import Settings, get_settings

log = logging.getLogger("crm.database")

EMBEDDED_DATABASE = "crm"
# The role the service connects as (models/migrations/0029_row_level_security.py creates it).
APP_ROLE = "crm_app"


class DatabaseUnavailable(RuntimeError):
    pass


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded server and answer the URL of its server-level database."""
    try:
        return embedded.start(data_dir / "pg")
    except Exception as exc:
        raise DatabaseUnavailable(
            f"Could not start the embedded PostgreSQL under {data_dir / 'pg'}: {exc}\n"
            "Point DATABASE_URL at a PostgreSQL 15+ server instead, for example\n"
            "  export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/crm\n"
            "(the database must exist; the pg_trgm and unaccent extensions must be available)."
        ) from exc


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path="/" + database).geturl()


def resolve_database_url(settings: Settings | None = None) -> str:
    """The URL of the application database, creating the embedded one when needed."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    server_url = start_embedded(settings.data_dir)
    return with_database(server_url, EMBEDDED_DATABASE)


def app_database_url(url: str, settings: Settings | None = None) -> str:
    """The URL the service connects with: CRM_APP_DATABASE_URL, else ``url`` (the owner's, which
    migrations use) as the role the migrations create for the service, over the same server."""
    settings = settings or get_settings()
    if settings.app_database_url:
        return settings.app_database_url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{APP_ROLE}@" + (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def asyncpg_params(url: str) -> dict[str, Any]:
    """Split a postgres URL into asyncpg keyword arguments (a unix socket host may sit in ?host=)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "127.0.0.1"])[0]
    return {
        "host": host,
        "port": parts.port or int(query.get("port", ["5432"])[0]),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or "postgres",
    }


async def ensure_database(url: str) -> None:
    """Create the database named in ``url`` if it is missing."""
    params = asyncpg_params(url)
    name = params["database"]
    try:
        conn = await asyncpg.connect(**{**params, "database": "postgres"}, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"Cannot reach PostgreSQL at {params['host']}:{params['port']}: {exc}") from exc
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
                log.info("created database %s", name)
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                pass  # another process starting at the same time created it (or is creating it)
    finally:
        await conn.close()


async def _keep_session_state(_connection: asyncpg.Connection) -> None:
    """Pool release hook that skips asyncpg's reset statement.

    The service keeps no session state on pooled connections (no SET, LISTEN or session advisory
    locks) but ``app.tenant_id``, which ``apply_tenant`` sets afresh whenever a connection is taken,
    so the reset round trip on every release is pure cost.
    """


def _encode_json(value: Any) -> str:
    # Tortoise hands JSON fields over already encoded; keep JSON text as it is.
    return value if isinstance(value, str) else json.dumps(value, default=str)


async def _init_connection(connection: asyncpg.Connection) -> None:
    """json/jsonb arrive as Python objects in raw statements too, not as text; each statement's
    time is added to its request's (server/request_stats.py)."""
    connection.add_query_logger(add_sql_time)
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, encoder=_encode_json, decoder=json.loads, schema="pg_catalog", format="text"
        )


def tortoise_config(
    url: str, settings: Settings | None = None, *, statement_timeout_ms: int | None = None
) -> dict[str, Any]:
    """The ORM's configuration; statements time out after CRM_STATEMENT_TIMEOUT_MS unless told otherwise."""
    settings = settings or get_settings()
    timeout = settings.statement_timeout_ms if statement_timeout_ms is None else statement_timeout_ms
    credentials = {
        **asyncpg_params(url),
        "minsize": 1,
        "maxsize": settings.db_pool_max,
        "reset": _keep_session_state,
        "init": _init_connection,
        # Each connection taken from the pool is set to the tenant of the work taking it (row-level
        # security reads it), a round trip only when that tenant differs from its last one.
        "connection_class": TenantConnection,
        "setup": apply_tenant,
        # PostgreSQL's own choice per prepared statement: a generic plan once it costs no more
        # than the custom plans so far, custom plans otherwise. Planning the compiled reads
        # afresh on every request cost more than running them (a profile: 1.7 ms of planning for
        # 0.1 ms of work); their keyset and search conditions are written to be index-backed in a
        # generic plan too (ranges, not LIKE prefixes), and a statement whose generic plan looks
        # worse than its custom ones keeps being planned per request. A relevance search's "contains"
        # and tag segments need their values to plan well: they run through crm_segment_rows.
        # No JIT: the compiled reads are short, but their jsonb functions are costed at 100 rows
        # each, so a nested timeline passed jit_above_cost and spent about 2 s compiling some
        # 1,800 functions to read a few rows (15 s and a timeout on a loaded machine).
        "server_settings": {
            "application_name": "crm",
            "plan_cache_mode": "auto",
            "jit": "off",
            "statement_timeout": str(timeout),
        },
    }
    return {
        "connections": {"default": {"engine": "tortoise.backends.asyncpg", "credentials": credentials}},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(url: str) -> None:
    """Apply pending migrations (Tortoise's built-in migration runner)."""
    from tortoise import Tortoise
    from tortoise.migrations.api.migrate import migrate as run_migrations

    await ensure_database(url)
    # Processes started together (several hosts, a rolling update) take turns: the first applies
    # the migrations, the others then find nothing to do. A session lock on a connection of its own,
    # released when it closes, even if this process dies.
    lock = await asyncpg.connect(**asyncpg_params(url), timeout=10)
    try:
        await lock.execute("SELECT pg_advisory_lock(hashtext('crm:migrate'))")
        try:
            # A migration may rewrite a large table: no statement timeout.
            await run_migrations(config=tortoise_config(url, statement_timeout_ms=0))
        finally:
            await Tortoise.close_connections()
    finally:
        await lock.close()


def __getattr__(name: str) -> Any:
    # ``tortoise makemigrations`` reads [tool.tortoise] -> server.database.TORTOISE_ORM.
    if name == "TORTOISE_ORM":
        try:
            return tortoise_config(resolve_database_url())
        except DatabaseUnavailable as exc:
            print(exc, file=sys.stderr)
            raise
    raise AttributeError(name)
