"""Shared fixtures: one migrated database and one app per session; a fresh tenant per test.

Tests talk to the app over HTTP (in-process ASGI) with real tokens, against a real PostgreSQL:
``DATABASE_URL`` when set, else the embedded server. Every test creates its own tenant(s), so
tests never see each other's rows and nothing needs truncating.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise.context import TortoiseContext

import server.app
from authz.authenticate import forget_principals
from server import request_stats
from server.app import create_app
from server.database import asyncpg_params, ensure_database, migrate, start_embedded, with_database
from server.settings import PROJECT_ROOT, Settings
from tests.factories import Factory
from tests.link_arrays import LINKS_OUT_OF_STEP
from tests.owner_access import owner_routed_config

TEST_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session")
def server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return start_embedded(PROJECT_ROOT / ".data")


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    url = with_database(server_url, f"crm_test_{uuid.uuid4().hex[:10]}")
    await ensure_database(url)
    async with TortoiseContext():
        await migrate(url)
    yield url
    params = asyncpg_params(url)
    # Every write path the suite took (API, imports, merges, cascades) left the tag and team ids on
    # customer rows equal to their links.
    conn = await asyncpg.connect(**params)
    try:
        drifted = await conn.fetch(LINKS_OUT_OF_STEP, None)
    finally:
        await conn.close()
    conn = await asyncpg.connect(**{**params, "database": "postgres"})
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{params["database"]}" WITH (FORCE)')
    finally:
        await conn.close()
    assert not drifted, f"customers whose tag_ids/team_ids differ from their links: {[r['id'] for r in drifted]}"


@pytest.fixture(scope="session")
def policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of policies/, so reload tests can edit it."""
    target = tmp_path_factory.mktemp("policies")
    for name in ("model.conf", "policy.csv"):
        shutil.copy(PROJECT_ROOT / "policies" / name, target / name)
    return target


@pytest.fixture(scope="session")
def settings(policy_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="development",
        jwt_secret=TEST_SECRET,
        policy_dir=policy_dir,
        policy_poll_seconds=0.05,
        data_dir=tmp_path_factory.mktemp("data"),
        db_pool_max=30,
        # Tests run jobs explicitly (resolvers.jobs.testing.run_pending_jobs), never in the background.
        inprocess_worker=False,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings, database_url: str) -> AsyncIterator[Any]:
    """The service, connected as crm_app under row-level security; the tests' own statements (outside
    requests and jobs) run as the owner (tests/owner_access.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(server.app, "tortoise_config", owner_routed_config(database_url))
        application = create_app(settings, database_url)
        async with application.router.lifespan_context(application):
            yield application


@pytest.fixture(scope="session")
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test", timeout=30) as client:
        yield client


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Any = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL request as a user (a Factory user or a raw credential string)."""
        sent = dict(headers or {})
        if as_ is not None:
            credential = as_ if isinstance(as_, str) else as_.token
            sent["Authorization"] = f"Bearer {credential}"
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=sent)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None, *, as_: Any = None) -> dict[str, Any]:
        """POST and insist there were no errors."""
        body = await self.post(query, variables, as_=as_)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
def factory(app: Any, settings: Settings) -> Factory:
    return Factory(app.state.tokens)


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Tortoise logs each statement as ("%s: %s", query, values) or (query,).
        self.statements.append(str(record.args[0]) if record.args else str(record.msg))

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements() -> Iterator[Any]:
    """Count SQL statements sent through Tortoise's client while the block runs, with the meter
    that counts them per request in production (server/request_stats.py)."""

    @contextmanager
    def counting(*, fresh_principals: bool = True) -> Iterator[StatementCounter]:
        if fresh_principals:  # count the credential's lookup, as on a first request (authz/authenticate.py)
            forget_principals()
        counter = StatementCounter()
        request_stats.watchers.append(counter.emit)
        try:
            yield counter
        finally:
            request_stats.watchers.remove(counter.emit)

    yield counting


@pytest.fixture
async def policy_edit(app: Any, policy_dir: Path) -> AsyncIterator[Any]:
    """Edit the running server's policy file; the original comes back after the test."""
    store = app.state.policies
    path = policy_dir / "policy.csv"
    original = path.read_text()

    async def wait_for(fingerprint_changed_from: str) -> None:
        for _ in range(200):
            # Swapped in and its audit entries written (else the next test's company would get them).
            if store.current.fingerprint != fingerprint_changed_from and store.recorded == store.current.fingerprint:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the server did not reload the policy")

    async def edit(change: Any) -> None:
        before = store.current.fingerprint
        path.write_text(change(path.read_text()))
        await wait_for(before)

    yield edit
    if path.read_text() != original:
        before = store.current.fingerprint
        path.write_text(original)
        await wait_for(before)
