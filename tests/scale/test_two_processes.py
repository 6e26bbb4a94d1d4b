"""Two API processes (two real ``crm run``, as on two hosts) against one database: what one learns,
the other knows. Principals are remembered for 300 s and the second process polls its policy files
once an hour, so only the pushed notifications (server/change_events.py) can make these pass; rate
limits are buckets in PostgreSQL, shared by both."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from server.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET
from tests.scale import servers

ME = "query Me { me { role } }"
CUSTOMERS = "query Page { customers(first: 1) { edges { node { id } } } }"
BURST = 30  # each test below stays under it per caller, but the rate limit test


@pytest.fixture(scope="module")
def shared_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fleet-policy")
    for name in ("model.conf", "policy.csv"):
        shutil.copy(PROJECT_ROOT / "policies" / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def pair(database_url: str, shared_policy: Path) -> Iterator[tuple[servers.Server, servers.Server]]:
    common = {
        "CRM_JWT_SECRET": TEST_SECRET,
        "CRM_POLICY_DIR": str(shared_policy),
        "CRM_PRINCIPAL_CACHE_SECONDS": "300",
        "CRM_RATE_LIMIT_BURST": str(BURST),
        "CRM_RATE_LIMIT_PER_SECOND": "0.1",
    }
    first = servers.start(database_url, "--workers", "1", "--no-seed", CRM_POLICY_POLL_SECONDS="0.2", **common)
    try:
        second = servers.start(database_url, "--workers", "1", "--no-seed", CRM_POLICY_POLL_SECONDS="3600", **common)
    except BaseException:
        servers.stop(first)
        raise
    yield first, second
    servers.stop(second)
    servers.stop(first)


@pytest.fixture
async def clients(pair: tuple[servers.Server, servers.Server]) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=pair[0].url, timeout=10) as a,
        httpx.AsyncClient(base_url=pair[1].url, timeout=10) as b,
    ):
        yield [a, b]


async def post(client: httpx.AsyncClient, query: str, credential: str) -> httpx.Response:
    return await client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {credential}"})


def codes(answer: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in answer.json().get("errors", [])]


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.25)
    return False


async def behind_the_apis_back(database_url: str, statement: str, *args: Any) -> None:
    """As `crm` commands or another host would: a connection of its own."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(statement, *args)
    finally:
        await connection.close()


async def test_a_revoked_api_key_is_refused_by_every_process(factory, clients, database_url):
    tenant = await factory.tenant()
    key_id, key = await factory.api_key(tenant, "admin")
    for client in clients:  # both processes now remember the key's principal
        assert (await post(client, ME, key)).json()["data"]["me"]["role"] == "ADMIN"

    await behind_the_apis_back(database_url, "UPDATE api_key SET revoked_at = now() WHERE id = $1", key_id)

    async def refused_by_both() -> bool:
        return [codes(await post(client, ME, key)) for client in clients] == [["UNAUTHENTICATED"]] * 2

    assert await until(refused_by_both)


async def test_a_deactivated_user_and_a_changed_role_apply_in_every_process(factory, clients, database_url):
    tenant = await factory.tenant()
    gone, demoted = await factory.user(tenant, "admin"), await factory.user(tenant, "admin")
    for client in clients:
        for user in (gone, demoted):
            assert (await post(client, ME, user.token)).json()["data"]["me"]["role"] == "ADMIN"

    await behind_the_apis_back(database_url, "UPDATE app_user SET is_active = false WHERE id = $1", gone.id)
    await behind_the_apis_back(database_url, "UPDATE app_user SET role = 'seller' WHERE id = $1", demoted.id)

    async def applied_by_both() -> bool:
        for client in clients:
            if codes(await post(client, ME, gone.token)) != ["UNAUTHENTICATED"]:
                return False
            if (await post(client, ME, demoted.token)).json()["data"]["me"]["role"] != "SELLER":
                return False
        return True

    assert await until(applied_by_both)


async def test_a_policy_edit_reaches_every_process(factory, clients, shared_policy):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    for client in clients:
        assert codes(await post(client, CUSTOMERS, seller.token)) == []
    path = shared_policy / "policy.csv"
    original = path.read_text()

    async def answer_everywhere(expected: list[str]) -> bool:
        return [codes(await post(client, CUSTOMERS, seller.token)) for client in clients] == [expected] * 2

    try:
        path.write_text(original.replace("p, seller, *, customer, read, team\n", ""))
        # The second process polls once an hour: only the first one's announcement can wake it.
        assert await until(lambda: answer_everywhere(["FORBIDDEN"]))
    finally:
        path.write_text(original)
    assert await until(lambda: answer_everywhere([]))


async def test_rate_limits_hold_across_processes_per_api_key(factory, clients):
    tenant = await factory.tenant()
    _, spent = await factory.api_key(tenant, "admin")
    _, other = await factory.api_key(tenant, "admin")

    answers = [await post(clients[n % 2], ME, spent) for n in range(BURST)]
    assert [a.status_code for a in answers] == [200] * BURST  # the burst, spread over both processes

    for client in clients:  # the bucket is shared: both refuse the key now
        refused = await post(client, ME, spent)
        assert refused.status_code == 429
        assert codes(refused) == ["RATE_LIMITED"]
        assert int(refused.headers["Retry-After"]) >= 1
    for client in clients:  # another key of the same company is not affected
        assert (await post(client, ME, other)).status_code == 200


async def test_rate_limits_hold_across_processes_per_user(factory, clients):
    tenant = await factory.tenant()
    busy, colleague = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")

    answers = [await post(clients[n % 2], ME, busy.token) for n in range(BURST)]
    assert [a.status_code for a in answers] == [200] * BURST

    refused = [await post(client, ME, busy.token) for client in clients]
    assert [(a.status_code, codes(a)) for a in refused] == [(429, ["RATE_LIMITED"])] * 2
    assert all(int(a.headers["Retry-After"]) >= 1 for a in refused)
    assert [(await post(client, ME, colleague.token)).status_code for client in clients] == [200, 200]
