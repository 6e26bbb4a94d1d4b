"""The Idempotency-Key header on mutation requests, over HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest

from models.db import fetchval
from models.sql import Sql
from resolvers import customers as customer_ops
from server import idempotency
from server.database import asyncpg_params

CREATE = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CreateCustomerSuccess { customer { id name email } }
    ... on DuplicateCustomer { message }
    ... on ValidationFailed { fields { field code message } }
  }
}
"""
ME = "query { me { role } }"


async def post(
    http: Any, user: Any, query: str, variables: dict[str, Any] | None = None, key: str | bytes | None = None
) -> Any:
    headers: dict[str, Any] = {"Authorization": f"Bearer {user.token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def customers_named(tenant: Any, name: str) -> int:
    return int(await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s AND name = %s", tenant.id, name)))


def code_of(response: Any) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_a_repeat_gets_the_same_answer_without_running_again(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    variables = {"input": {"name": "Once Only", "email": "once@example.com"}}

    first = await post(http, admin, CREATE, variables, key="order-1")
    again = await post(http, admin, CREATE, variables, key="order-1")

    assert first.status_code == again.status_code == 200
    assert first.json()["data"]["createCustomer"]["__typename"] == "CreateCustomerSuccess", first.json()
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await customers_named(tenant, "Once Only") == 1


async def test_keys_belong_to_their_company(http, factory):
    variables = {"input": {"name": "Two Companies"}}
    for _ in range(2):
        tenant = await factory.tenant()
        admin = await factory.user(tenant, "admin")
        answer = await post(http, admin, CREATE, variables, key="shared-key")
        assert "Idempotent-Replayed" not in answer.headers
        assert await customers_named(tenant, "Two Companies") == 1


async def test_the_same_key_with_another_body_or_caller_is_refused(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    other = await factory.user(tenant, "admin")
    await post(http, admin, CREATE, {"input": {"name": "First Body"}}, key="k-2")

    changed = await post(http, admin, CREATE, {"input": {"name": "Second Body"}}, key="k-2")
    someone_else = await post(http, other, CREATE, {"input": {"name": "First Body"}}, key="k-2")

    for refused in (changed, someone_else):
        assert refused.status_code == 422
        assert code_of(refused) == "IDEMPOTENCY_KEY_REUSED"
    assert await customers_named(tenant, "Second Body") == 0
    assert await customers_named(tenant, "First Body") == 1


async def test_concurrent_repeats_execute_once(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    variables = {"input": {"name": "Raced", "phone": "+55 11 91234-5678"}}

    answers = await asyncio.gather(*(post(http, admin, CREATE, variables, key="race-1") for _ in range(6)))

    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert sum("Idempotent-Replayed" not in a.headers for a in answers) == 1
    assert await customers_named(tenant, "Raced") == 1


async def test_a_repeat_while_the_first_still_runs_waits_then_answers_409(
    app, http, factory, database_url, monkeypatch
):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    monkeypatch.setattr(app.state.graphql, "idempotency_config", idempotency.Config(wait_ms=200))
    holder = await asyncpg.connect(**asyncpg_params(database_url))
    try:
        first = holder.transaction()  # a first request with this key that has not finished
        await first.start()
        await holder.execute(
            "INSERT INTO idempotency_key (id, tenant_id, key, fingerprint, status, media_type, body, expires_at) "
            "VALUES (gen_random_uuid(), $1, 'slow-1', 'x', 0, '', ''::bytea, now() + interval '1 hour')",
            tenant.id,
        )
        waiting = await post(http, admin, CREATE, {"input": {"name": "Waited"}}, key="slow-1")
        await first.rollback()
    finally:
        await holder.close()

    assert waiting.status_code == 409
    assert code_of(waiting) == "IDEMPOTENCY_KEY_IN_PROGRESS"
    assert await customers_named(tenant, "Waited") == 0
    # The first one rolled back: the key is free again.
    assert (await post(http, admin, CREATE, {"input": {"name": "Waited"}}, key="slow-1")).status_code == 200
    assert await customers_named(tenant, "Waited") == 1


async def test_queries_ignore_the_header(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    answers = [await post(http, admin, ME, key=key) for key in ("q-1", "q-1", "\x01 not even valid")]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all("Idempotent-Replayed" not in a.headers for a in answers)
    assert await fetchval(Sql("SELECT count(*) FROM idempotency_key WHERE tenant_id = %s", tenant.id)) == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "ção".encode()])
async def test_a_malformed_key_is_refused_before_anything_runs(http, factory, key):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    refused = await post(http, admin, CREATE, {"input": {"name": "Bad Key"}}, key=key)

    assert refused.status_code == 400
    assert code_of(refused) == "IDEMPOTENCY_KEY_INVALID"
    assert await customers_named(tenant, "Bad Key") == 0


async def test_a_failed_execution_releases_the_key(http, factory, monkeypatch):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    real = customer_ops.create_customer
    calls = 0

    async def fails_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            await real(*args, **kwargs)  # writes, then fails: the writes go with the failure
            raise RuntimeError("lost the connection")
        return await real(*args, **kwargs)

    monkeypatch.setattr(customer_ops, "create_customer", fails_once)
    variables = {"input": {"name": "Retried"}}

    failed = await post(http, admin, CREATE, variables, key="retry-1")
    assert code_of(failed) == "INTERNAL_SERVER_ERROR"
    assert failed.json()["data"] is None
    assert await customers_named(tenant, "Retried") == 0

    retried = await post(http, admin, CREATE, variables, key="retry-1")
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json()["data"]["createCustomer"]["__typename"] == "CreateCustomerSuccess"
    assert await customers_named(tenant, "Retried") == 1


async def test_a_typed_business_error_is_an_answer_and_is_kept(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await post(http, admin, CREATE, {"input": {"name": "Holder", "email": "dup@example.com"}})
    variables = {"input": {"name": "Dup", "email": "dup@example.com"}}

    first = await post(http, admin, CREATE, variables, key="dup-1")
    assert first.json()["data"]["createCustomer"]["__typename"] == "DuplicateCustomer"
    await fetchval(Sql("DELETE FROM customer WHERE tenant_id = %s AND name = 'Holder'", tenant.id))

    again = await post(http, admin, CREATE, variables, key="dup-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert await customers_named(tenant, "Dup") == 0


async def test_expired_keys_are_taken_over_and_swept(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await post(http, admin, CREATE, {"input": {"name": "Old"}}, key="old-1")
    await post(http, admin, CREATE, {"input": {"name": "Older"}}, key="old-2")
    await fetchval(
        Sql("UPDATE idempotency_key SET expires_at = now() - interval '1 second' WHERE tenant_id = %s", tenant.id)
    )

    again = await post(http, admin, CREATE, {"input": {"name": "Old"}}, key="old-1")

    assert "Idempotent-Replayed" not in again.headers
    assert await customers_named(tenant, "Old") == 2
    keys = await fetchval(Sql("SELECT array_agg(key) FROM idempotency_key WHERE tenant_id = %s", tenant.id))
    assert keys == ["old-1"]


def test_the_fingerprint_ignores_key_order_in_variables():
    from authz.principal import Principal
    from models import Role
    from server.graphql_http import GraphQLRequest

    caller = Principal(tenant_id=__import__("uuid").uuid4(), tenant_slug="t", role=Role.ADMIN, user_id=None)
    a = GraphQLRequest("mutation { x }", {"a": 1, "b": {"c": 2, "d": 3}})
    b = GraphQLRequest("mutation { x }", {"b": {"d": 3, "c": 2}, "a": 1})
    assert idempotency.fingerprint(a, caller) == idempotency.fingerprint(b, caller)
    assert idempotency.fingerprint(a, caller) != idempotency.fingerprint(GraphQLRequest("mutation { y }", {}), caller)


async def _upload(http: Any, admin: Any, content: bytes, key: str) -> Any:
    from tests.imports.support import CREATE_IMPORT

    operations = json.dumps({"query": CREATE_IMPORT, "variables": {"file": None}})
    return await http.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("clientes.csv", content, "text/csv")},
        headers={"Authorization": f"Bearer {admin.token}", "Idempotency-Key": key},
    )


async def test_an_upload_is_part_of_the_request_a_key_stands_for(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    content = b"nome,email\r\nAna,ana@example.com\r\n"

    first = await _upload(http, admin, content, "upload-1")
    again = await _upload(http, admin, content, "upload-1")
    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["data"]["createImport"]["__typename"] == "ImportSuccess"
    assert again.content == first.content
    # The same request with another file is another request: refused, and nothing is created.
    other = await _upload(http, admin, b"nome,email\r\nBia,bia@example.com\r\n", "upload-1")
    assert (other.status_code, code_of(other)) == (422, "IDEMPOTENCY_KEY_REUSED")
    imports = await fetchval(Sql("SELECT count(*) FROM customer_import WHERE tenant_id = %s", tenant.id))
    assert imports == 1
