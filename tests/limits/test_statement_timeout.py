"""PostgreSQL cancels a statement that runs too long, and the client gets a typed TIMEOUT."""

from __future__ import annotations

from models.db import execute, fetchval, in_transaction
from models.sql import Sql
from server.database import tortoise_config
from server.settings import Settings
from tests.helpers import error_codes


async def test_the_service_connections_carry_the_statement_timeout(app, settings):
    shown = await fetchval(Sql("SHOW statement_timeout"))

    assert settings.statement_timeout_ms == 15_000
    assert shown == "15s"


def test_the_timeout_comes_from_the_setting_and_migrations_run_without_one(database_url):
    configured = Settings(statement_timeout_ms=2500, jwt_secret="x" * 40)

    served = tortoise_config(database_url, configured)["connections"]["default"]["credentials"]
    migrating = tortoise_config(database_url, configured, statement_timeout_ms=0)["connections"]["default"]

    assert served["server_settings"]["statement_timeout"] == "2500"
    assert migrating["credentials"]["server_settings"]["statement_timeout"] == "0"


async def test_a_cancelled_statement_answers_timeout_not_an_internal_error(gql, factory, monkeypatch, caplog):
    from resolvers import tags as tag_ops

    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    async def too_slow(access):
        async with in_transaction() as conn:
            await execute(Sql("SET LOCAL statement_timeout = 50"), conn)
            await fetchval(Sql("SELECT pg_sleep(2)"), conn)
        return []

    monkeypatch.setattr(tag_ops, "list_tags", too_slow)
    body = await gql.post("{ me { role } tags { customerCount } }", as_=admin)

    assert error_codes(body) == ["TIMEOUT"]
    error = body["errors"][0]
    assert error["path"] == ["tags"]
    assert error["extensions"]["timeoutMs"] == 15_000
    assert "15000 ms" in error["message"] and "pg_sleep" not in error["message"]
    assert body["data"] is None or body["data"].get("me") == {"role": "ADMIN"}
    assert not [r for r in caplog.records if r.levelname == "ERROR" and r.name == "crm.graphql"]
