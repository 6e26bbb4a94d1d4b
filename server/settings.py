"""Every setting the service reads, from the environment, in one place."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """A setting is missing or inconsistent; the message says which and how to fix it."""


def available_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    env: Literal["development", "production"] = "development"
    # Read without the CRM_ prefix: it is the name every PostgreSQL tool uses.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    # The service's own connection (CRM_APP_DATABASE_URL): a role that owns nothing and is subject to
    # row-level security. Unset: DATABASE_URL's server and database as the role crm_app, no password.
    app_database_url: str | None = None
    data_dir: Path = PROJECT_ROOT / ".data"
    db_pool_max: int = 10
    # Every statement the service runs is cancelled by PostgreSQL after this long (0: no limit);
    # one request must not hold a connection, and every other tenant, for minutes.
    statement_timeout_ms: int = Field(default=15_000, ge=0)

    jwt_secret: str | None = None
    jwt_issuer: str = "crm"
    jwt_audience: str | None = None
    jwks_url: str | None = None
    token_ttl_minutes: int = 60 * 24

    # A verified caller is remembered this long at most; every change to users, keys, teams or
    # settings is pushed to every process at once (server/change_events.py) anyway.
    principal_cache_seconds: float = Field(default=5.0, ge=0)

    policy_dir: Path = PROJECT_ROOT / "policies"
    policy_poll_seconds: float = 1.0

    host: str = "127.0.0.1"
    port: int = 8000
    # One worker process per core: a request that keeps Python busy stalls only its own worker.
    workers: int = Field(default_factory=available_cores, ge=1)
    log_level: str = "info"
    # /metrics: with a token, only `Authorization: Bearer <token>` reads it; without one it is open in
    # development and refused in production.
    metrics_token: str | None = None
    # Each process samples its database pool this often for the crm_db_pool_connections gauge.
    metrics_pool_sample_seconds: float = Field(default=2.0, gt=0)
    # OpenTelemetry's standard variables (read without the CRM_ prefix): traces are off unless an
    # exporter is named or an OTLP endpoint is set (server/tracing.py).
    otel_traces_exporter: str | None = Field(default=None, validation_alias="OTEL_TRACES_EXPORTER")
    otel_exporter_otlp_endpoint: str | None = Field(default=None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    otel_exporter_otlp_traces_endpoint: str | None = Field(
        default=None, validation_alias="OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    otel_sdk_disabled: bool = Field(default=False, validation_alias="OTEL_SDK_DISABLED")
    otel_service_name: str = Field(default="crm", validation_alias="OTEL_SERVICE_NAME")
    # Each API process also runs a job worker; turn off when `crm worker` processes do all the jobs.
    inprocess_worker: bool = True
    # Jobs one worker (in-process or `crm worker`) runs at once; pgqueuer needs at least 2.
    worker_concurrency: int = Field(default=4, ge=2)

    graphiql: bool | None = None
    introspection: bool | None = None
    field_suggestions: bool | None = None
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    # Objects one request may produce, counted before execution from the page sizes of nested
    # lists (GitHub's node limit is 500,000). 100 customers with 100 notes each cost 10,100; a
    # page of 100 customers with ten nested lists of 100 still passes.
    max_nodes: int = Field(default=100_000, ge=1)
    max_body_bytes: int = 2_000_000
    # Uploads of files to import (multipart requests) may be this large; other requests keep
    # max_body_bytes.
    import_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    # Idempotency-Key: how long an answer is kept, and how long a repeat waits for the first one.
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    idempotency_wait_ms: int = Field(default=10_000, ge=0)
    # Rate limits, one token bucket per API key and per user, shared by every process through
    # PostgreSQL: a caller may send rate_limit_burst requests at once, then rate_limit_per_second
    # on average (0 turns the limits off). Generous: they stop runaway clients, not busy ones.
    rate_limit_per_second: float = Field(default=100, ge=0)
    rate_limit_burst: int = Field(default=2000, ge=1)

    # Webhooks: may endpoints be private, loopback, link-local, multicast or reserved addresses?
    # (CRM_WEBHOOKS_ALLOW_PRIVATE; by default yes in development, no in production.)
    webhooks_allow_private: bool | None = None
    webhook_timeout_seconds: float = Field(default=10, gt=0)
    # Retries after the n-th failure wait base * 2^(n-1) (at most max), with jitter, for give_up_hours.
    webhook_retry_base_seconds: float = Field(default=30, gt=0)
    webhook_retry_max_seconds: float = Field(default=3600, gt=0)
    webhook_give_up_hours: float = Field(default=24, gt=0)
    # Exports of at most this many rows are written when downloaded; larger ones by a background job.
    export_inline_max_rows: int = Field(default=5_000, ge=0)

    # Deleted customers are purged, with every row that was theirs, this long after the deletion.
    purge_after_hours: float = Field(default=48, gt=0)
    # Deletion codes go by e-mail when an SMTP host is set (else to the server log).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "crm@localhost"
    smtp_starttls: bool = True

    @model_validator(mode="after")
    def _production_defaults(self) -> Settings:
        dev = self.env == "development"
        for name in ("graphiql", "introspection", "field_suggestions"):
            if getattr(self, name) is None:
                setattr(self, name, dev)
        if self.webhooks_allow_private is None:
            self.webhooks_allow_private = dev
        return self

    @property
    def development(self) -> bool:
        """Only development seeds the demo company and prints bearer tokens."""
        return self.env == "development"

    def signing_secret(self) -> str:
        """The HS256 secret. Development keeps a random one under the data folder."""
        if self.jwt_secret:
            return self.jwt_secret
        if self.env == "production":
            raise SettingsError(
                "CRM_JWT_SECRET is not set. In production the service needs a secret of at "
                "least 32 random characters to sign and verify bearer tokens, e.g. "
                "`export CRM_JWT_SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe(48))')`."
            )
        path = self.data_dir / "dev-jwt-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
