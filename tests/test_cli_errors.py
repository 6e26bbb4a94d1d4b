"""Ordinary mistakes with the crm command get one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import Factory
from tests.test_cli import crm

# name: (arguments, exit code, words the message must hold). {tenant} and {email} name existing ones.
CASES = {
    "existing tenant": (["tenant", "create", "{tenant}", "Again"], 1, "already exists"),
    "invalid slug": (["tenant", "create", "Not A Slug", "Acme"], 2, "not a valid tenant slug"),
    "unknown region": (["tenant", "create", "acme-{tenant}", "Acme", "--region", "XX"], 2, "Unknown phone region"),
    "empty tenant name": (["tenant", "create", "acme-{tenant}", "  "], 2, "NAME must be 1 to 200 characters"),
    "existing user": (
        ["user", "create", "--tenant", "{tenant}", "--email", "{email}", "--name", "Dup", "--role", "seller"],
        1,
        "already exists",
    ),
    "unknown role": (
        ["user", "create", "--tenant", "{tenant}", "--email", "new@x.test", "--name", "N", "--role", "boss"],
        2,
        "Unknown role 'boss'",
    ),
    "invalid email": (
        ["user", "create", "--tenant", "{tenant}", "--email", "not-an-email", "--name", "N", "--role", "seller"],
        2,
        "not a valid email address",
    ),
    "unknown tenant for a user": (
        ["user", "create", "--tenant", "nowhere-x", "--email", "a@x.test", "--name", "N", "--role", "seller"],
        1,
        "No tenant 'nowhere-x'",
    ),
    "unknown role for a key": (
        ["apikey", "create", "--tenant", "{tenant}", "--role", "root", "--name", "Sync"],
        2,
        "Unknown role 'root'",
    ),
    "unknown tenant for a key": (
        ["apikey", "create", "--tenant", "nowhere-x", "--role", "seller", "--name", "Sync"],
        1,
        "No tenant 'nowhere-x'",
    ),
    "unknown user for a key": (
        ["apikey", "create", "--tenant", "{tenant}", "--role", "seller", "--name", "Sync", "--user", "ghost@x.test"],
        1,
        "No user ghost@x.test",
    ),
    "not a key id": (["apikey", "revoke", "nonsense"], 1, "Not a key id"),
    "token lifetime": (["token", "{email}", "--minutes", "0"], 2, "--minutes must be at least 1"),
    "unknown user for a token": (["token", "ghost@x.test"], 1, "No active user ghost@x.test"),
}


@pytest.fixture(scope="module")
async def outcomes(app, database_url, settings):
    factory = Factory(app.state.tokens)
    tenant = await factory.tenant()
    user = await factory.user(tenant, "seller")
    env = {"DATABASE_URL": database_url, "CRM_JWT_SECRET": settings.jwt_secret}

    def run(args):
        return crm(*(a.format(tenant=tenant.slug, email=user.email) for a in args), env=env)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(CASES, pool.map(run, [case[0] for case in CASES.values()]), strict=True))
    return results


@pytest.mark.parametrize("case", list(CASES))
def test_a_mistake_gets_one_clear_line_and_an_exit_code(outcomes, case):
    _, code, words = CASES[case]
    result = outcomes[case]
    lines = result.stderr.strip().splitlines()

    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert words in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_an_unreachable_database_is_one_line_too():
    env = {"DATABASE_URL": "postgresql://postgres@127.0.0.1:9/crm", "CRM_JWT_SECRET": "s" * 40}

    for args in (["token", "a@x.test"], ["migrate"], ["tenant", "create", "acme", "Acme"], ["run", "--no-seed"]):
        result = crm(*args, env=env)
        lines = result.stderr.strip().splitlines()

        assert result.returncode == 2, result.stderr
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert "127.0.0.1" in lines[0] or "database" in lines[0].lower()
