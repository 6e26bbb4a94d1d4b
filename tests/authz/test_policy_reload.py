"""Administrators edit the policy files while the server runs."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest

from server.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET

LIST = "{ customers(first: 100, portfolio: ALL) { totalCount } }"


@pytest.fixture
async def seller_with_team(factory):
    tenant = await factory.tenant()
    team = await factory.team(tenant)
    seller = await factory.user(tenant, "seller", teams=[team])
    other = await factory.user(tenant, "seller")
    await factory.customer(tenant, owner=seller)
    await factory.customer(tenant, owner=other, teams=[team])
    await factory.customer(tenant, owner=other)
    return seller


async def test_a_scope_change_in_the_file_applies_without_a_restart(gql, seller_with_team, policy_edit):
    assert (await gql.data(LIST, as_=seller_with_team))["customers"]["totalCount"] == 2

    await policy_edit(
        lambda text: text.replace("p, seller, *, customer, read, team", "p, seller, *, customer, read, own")
    )

    assert (await gql.data(LIST, as_=seller_with_team))["customers"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (lambda text: text.replace("p, seller, *, customer, read, team", "p, seller, *, customer, read"), "5 fields"),
        (
            lambda text: text.replace("p, seller, *, customer, read, team", "p, seller, *, custmer, read, own"),
            "unknown object 'custmer'",
        ),
        (
            lambda text: text.replace("p, seller, *, customer, read, team", "p, seller, *, customer, read, some"),
            "scope 'some'",
        ),
        (lambda text: text + "\nallow, seller, *, customer, read, all\n", "unknown line type 'allow'"),
        (lambda text: "# emptied by mistake\n", "no grants"),
    ],
)
async def test_a_broken_file_is_refused_loudly_and_the_last_good_policy_keeps_serving(
    gql, app, seller_with_team, policy_dir, caplog, broken, problem
):
    store = app.state.policies
    path = policy_dir / "policy.csv"
    original = path.read_text()
    good = store.current.fingerprint
    try:
        with caplog.at_level(logging.ERROR, logger="crm.policy"):
            path.write_text(broken(original))
            for _ in range(200):
                if store.last_error is not None and problem in str(store.last_error):
                    break
                await asyncio.sleep(0.02)

        assert store.current.fingerprint == good
        assert any("POLICY REFUSED" in r.message and problem in r.message for r in caplog.records)
        assert (await gql.data(LIST, as_=seller_with_team))["customers"]["totalCount"] == 2
    finally:
        path.write_text(original)
        for _ in range(200):
            if store.last_error is None:
                break
            await asyncio.sleep(0.02)


async def test_a_broken_model_is_refused(app, policy_dir, caplog):
    store = app.state.policies
    path = policy_dir / "model.conf"
    original = path.read_text()
    good = store.current.fingerprint
    try:
        with caplog.at_level(logging.ERROR, logger="crm.policy"):
            path.write_text(original.replace("e = some(where (p.eft == allow))", "e = some(where (p.eft == deny))"))
            for _ in range(200):
                if store.last_error is not None and "allow-only" in str(store.last_error):
                    break
                await asyncio.sleep(0.02)
        assert store.current.fingerprint == good
        assert any("allow-only" in r.message for r in caplog.records)
    finally:
        path.write_text(original)
        for _ in range(200):
            if store.last_error is None:
                break
            await asyncio.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_every_server_process_picks_the_change_up(database_url, seller_with_team, tmp_path):
    for name in ("model.conf", "policy.csv"):
        shutil.copy(PROJECT_ROOT / "policies" / name, tmp_path / name)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CRM_JWT_SECRET": TEST_SECRET,
        "CRM_POLICY_DIR": str(tmp_path),
        "CRM_POLICY_POLL_SECONDS": "0.1",
        "CRM_LOG_LEVEL": "warning",
        "CRM_DATA_DIR": str(tmp_path / "data"),
    }
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "server.app:app_from_env",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=PROJECT_ROOT,
            env=env,
        )
        for port in ports
    ]
    headers = {"Authorization": f"Bearer {seller_with_team.token}"}

    async def totals(client: httpx.AsyncClient) -> list[int]:
        out = []
        for port in ports:
            r = await client.post(f"http://127.0.0.1:{port}/graphql", json={"query": LIST}, headers=headers)
            out.append(r.json()["data"]["customers"]["totalCount"])
        return out

    try:
        async with httpx.AsyncClient(timeout=10) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    codes = [(await client.get(f"http://127.0.0.1:{p}/readyz")).status_code for p in ports]
                    if codes == [200, 200]:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "servers did not start"
                await asyncio.sleep(0.2)
            assert await totals(client) == [2, 2]

            path = tmp_path / "policy.csv"
            path.write_text(
                path.read_text().replace("p, seller, *, customer, read, team", "p, seller, *, customer, read, own")
            )
            deadline = time.monotonic() + 10
            while await totals(client) != [1, 1]:
                assert time.monotonic() < deadline, "a process kept the old policy"
                await asyncio.sleep(0.1)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
