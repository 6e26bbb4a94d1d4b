"""Row-level security as the second line: a statement of the service that forgets its tenant filter
reads and writes only its own company's rows (or none without a tenant), on a pooled connection
whatever it served before; and no tenant-owned table can be added without the policy."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from tortoise.exceptions import OperationalError

from authz.authenticate import authenticate
from models.db import execute, fetch, fetchval, in_transaction
from models.sql import Sql
from models.tenancy import service_scope

pytestmark = pytest.mark.asyncio

EVERY_CUSTOMER = Sql("SELECT tenant_id, id FROM customer")  # deliberately no tenant filter


@pytest.fixture
async def two_companies(factory: Any) -> tuple[Any, Any]:
    ours, theirs = await factory.tenant(), await factory.tenant()
    admin, their_admin = await factory.user(ours, "admin"), await factory.user(theirs, "admin")
    for _ in range(2):
        await factory.customer(ours)
        await factory.customer(theirs)
    return admin, their_admin


async def test_an_unfiltered_read_sees_only_the_requests_company(app: Any, two_companies: Any) -> None:
    admin, their_admin = two_companies
    with service_scope():
        await authenticate(admin.token, app.state.tokens)  # names the tenant as every request does
        rows = await fetch(EVERY_CUSTOMER)
        assert {r["tenant_id"] for r in rows} == {admin.tenant.id}
        assert len(rows) >= 2
        assert await fetchval(Sql("SELECT count(*) FROM app_user WHERE id = %s", their_admin.id)) == 0
        assert await fetchval(Sql("SELECT count(*) FROM tenant")) == 1
        async with in_transaction():  # a transaction's connection carries the tenant too
            rows = await fetch(EVERY_CUSTOMER)
        assert {r["tenant_id"] for r in rows} == {admin.tenant.id}


async def test_without_a_tenant_an_unfiltered_read_sees_nothing(app: Any, two_companies: Any) -> None:
    with service_scope():
        assert await fetch(EVERY_CUSTOMER) == []
        assert await fetchval(Sql("SELECT count(*) FROM tenant")) == 0


async def test_an_unfiltered_write_touches_only_the_requests_company(app: Any, two_companies: Any) -> None:
    admin, their_admin = two_companies
    with service_scope():
        await authenticate(admin.token, app.state.tokens)
        assert await execute(Sql("UPDATE customer SET name = name")) == 2
        assert await execute(Sql("DELETE FROM app_user WHERE id = %s", their_admin.id)) == 0
        with pytest.raises(OperationalError, match="row-level security"):
            await execute(
                Sql(
                    "INSERT INTO customer (id, tenant_id, name, search_text) VALUES (%s, %s, 'x', 'x')",
                    uuid4(),
                    their_admin.tenant.id,
                )
            )
        with pytest.raises(OperationalError, match="row-level security"):
            await execute(Sql("UPDATE customer SET tenant_id = %s", their_admin.tenant.id))


async def test_a_pooled_connection_never_carries_one_companys_tenant_into_another_request(
    app: Any, two_companies: Any
) -> None:
    admin, their_admin = two_companies
    backends = set()
    for user, expected in ((admin, admin.tenant.id), (None, None), (their_admin, their_admin.tenant.id)):
        with service_scope():
            if user is not None:
                await authenticate(user.token, app.state.tokens)
            rows = await fetch(
                Sql("SELECT pg_backend_pid() AS pid, (SELECT array_agg(DISTINCT tenant_id) FROM customer) AS seen")
            )
            backends.add(rows[0]["pid"])
            assert rows[0]["seen"] == ([expected] if expected else None)
    assert len(backends) == 1, "the pool handed out different connections: the test proves nothing"


async def test_the_service_connects_as_a_role_that_owns_nothing_and_bypasses_nothing(app: Any) -> None:
    with service_scope():
        role = await fetch(
            Sql(
                "SELECT current_user AS name, rolsuper, rolbypassrls, "
                "(SELECT count(*) FROM pg_class WHERE relowner = r.oid) AS owned "
                "FROM pg_roles r WHERE rolname = current_user"
            )
        )
    assert role == [{"name": "crm_app", "rolsuper": False, "rolbypassrls": False, "owned": 0}]


async def test_every_table_with_a_tenant_id_is_isolated_by_a_policy(app: Any) -> None:
    """A new tenant-owned table must call ``crm_isolate_by_tenant`` in its migration (0028)."""
    rows = await fetch(
        Sql(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT array_agg(p.polname) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
                   (SELECT pg_get_expr(p.polqual, p.polrelid) FROM pg_policy p
                    WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation') AS qual,
                   (SELECT pg_get_expr(p.polwithcheck, p.polrelid) FROM pg_policy p
                    WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation') AS check
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            WHERE c.relkind IN ('r', 'p') AND (c.relname = 'tenant' OR EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
            """
        )
    )
    assert len(rows) > 20
    unprotected = [
        r["relname"]
        for r in rows
        if not (r["relrowsecurity"] and r["relforcerowsecurity"] and r["policies"] == ["tenant_isolation"])
        or "current_setting('app.tenant_id'" not in (r["qual"] or "")
        or r["qual"] != r["check"]
    ]
    assert unprotected == []


async def test_the_service_refuses_to_run_as_a_role_the_policies_do_not_hold(
    database_url: str, settings: Any, caplog: Any
) -> None:
    from server.app import create_app
    from server.database import app_database_url
    from server.service_role import UnsafeServiceRole, check, unheld_because

    assert await unheld_because(app_database_url(database_url, settings)) is None  # crm_app, as the suite runs
    # The owner here is a superuser, as `make run`'s embedded server and CI's are.
    assert await unheld_because(database_url) == (
        "the service's database role 'postgres' is a superuser, has BYPASSRLS and owns the tables"
    )

    production = settings.model_copy(update={"env": "production", "app_database_url": database_url})
    app = create_app(production, database_url)
    with pytest.raises(UnsafeServiceRole, match="row-level security does not hold it"):
        async with app.router.lifespan_context(app):
            pass

    with caplog.at_level("WARNING", logger="crm.database"):
        await check(database_url, settings)  # development: said, not refused
    assert "is a superuser" in caplog.text
