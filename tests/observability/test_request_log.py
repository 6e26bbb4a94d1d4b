"""Every request has an id (X-Request-Id, echoed) and one log line: who, what, how long, how many
statements, how it ended; never a credential, a variable's value or contact data."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from server.logs import formatter
from server.request_observer import request_id
from server.settings import Settings
from tests.queries import CREATE

PRODUCTION = Settings(env="production", jwt_secret="x" * 40)


async def test_a_request_id_is_echoed(http):
    given = f"req-{uuid.uuid4().hex}"

    answer = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": given})

    assert answer.headers["x-request-id"] == given


@pytest.mark.parametrize("given", [None, "", "a" * 129, "two\nlines", "spaced id", "ação"])
async def test_a_missing_or_unsafe_request_id_is_replaced(http, given):
    headers = {"X-Request-Id": given.encode()} if given is not None else {}

    answer = await http.get("/healthz", headers=headers)

    made = answer.headers["x-request-id"]
    assert made != given and len(made) == 32 and int(made, 16) >= 0


def test_plain_ids_are_kept_as_sent():
    assert request_id(b"0af7651916cd43dd8448eb211c80319c") == "0af7651916cd43dd8448eb211c80319c"
    assert request_id(b"lb:1/2+3=4_5.6-7") == "lb:1/2+3=4_5.6-7"


async def test_the_request_line_is_json_in_production_with_ids_and_costs_but_no_secrets(gql, factory, caplog):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    email = f"secret-{uuid.uuid4().hex[:8]}@example.com"
    phone = "(11) 91234-5678"
    rid = f"log-{uuid.uuid4().hex}"

    with caplog.at_level(logging.DEBUG, logger="crm"):
        body = await gql.post(
            CREATE,
            {"input": {"name": "Maria Logged", "email": email, "phone": phone}},
            as_=admin,
            headers={"X-Request-Id": rid},
        )
    assert body["data"]["createCustomer"]["__typename"] == "CreateCustomerSuccess"

    render = formatter(PRODUCTION)
    lines = [render.format(record) for record in caplog.records]
    request_lines = [line for line in map(json.loads, lines) if line.get("request_id") == rid]
    assert len(request_lines) == 1
    line = request_lines[0]
    assert line["logger"] == "crm.request" and line["level"] == "INFO"
    assert line["method"] == "POST" and line["path"] == "/graphql" and line["status"] == 200
    assert line["tenant"] == tenant.slug
    assert line["user_id"] == str(admin.id) and line["api_key_id"] is None
    assert line["operation"] == "Create" and line["outcome"] == "ok"
    assert line["duration_ms"] > 0 and line["sql_statements"] >= 2 and line["sql_ms"] > 0
    everything = "\n".join(lines)
    for secret in (admin.token, email, "Maria Logged", "91234", "Bearer"):
        assert secret not in everything


async def test_an_api_key_is_logged_by_its_id(gql, factory, caplog):
    tenant = await factory.tenant()
    key_id, key = await factory.api_key(tenant, "admin")

    with caplog.at_level(logging.INFO, logger="crm.request"):
        response = await gql.http.post(
            "/graphql", json={"query": "query Who { me { role } }"}, headers={"X-Api-Key": key}
        )

    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "crm.request"]
    assert record.api_key_id == str(key_id) and record.operation == "Who"
    assert key not in formatter(PRODUCTION).format(record)


async def test_development_logs_a_readable_line(http, caplog):
    with caplog.at_level(logging.INFO, logger="crm.request"):
        await http.post("/graphql", json={"query": "query Ping { __typename }"}, headers={"X-Request-Id": "dev-1"})

    [record] = [r for r in caplog.records if r.name == "crm.request"]
    text = formatter(Settings(env="development")).format(record)
    assert "POST /graphql 200 Ping ok" in text and "[dev-1]" in text
    assert not text.lstrip().startswith("{")


async def test_a_refused_variable_value_is_not_logged(gql, factory, caplog):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    email = f"private-{uuid.uuid4().hex[:8]}@example.com"

    with caplog.at_level(logging.DEBUG, logger="crm"):
        body = await gql.post(CREATE, {"input": {"name": "X", "email": email, "status": {"no": email}}}, as_=admin)

    assert email in body["errors"][0]["message"]  # the client is told what it sent
    said = "\n".join(r.getMessage() for r in caplog.records)
    assert "(the value is not logged)" in said and email not in said


def test_both_shapes_of_graphql_cores_variable_errors_lose_their_value():
    from schema.schema import loggable

    got = "Variable '$input' got invalid value 'ana@example.com' at 'input.email'; Expected type 'String'."
    has = "Variable '$input' has invalid value at .status: Enum 'S' cannot represent non-string value: {'no': 'ana@example.com'}."
    assert loggable(got) == "Variable '$input' got invalid value (the value is not logged)."
    assert loggable(has) == "Variable '$input' has invalid value at .status (the value is not logged)."
    assert loggable("Cannot query field 'x' on type 'Query'.") == "Cannot query field 'x' on type 'Query'."


@pytest.mark.parametrize(
    "path", ["/imports/template.csv", "/reports/UmVwb3J0VGVtcGxhdGU6eA==.csv", "/exports/RXhwb3J0Ong="]
)
async def test_the_plain_routes_log_who_asked_too(http, factory, caplog, path):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    with caplog.at_level(logging.INFO, logger="crm.request"):
        await http.get(path, headers={"Authorization": f"Bearer {admin.token}"})

    [record] = [r for r in caplog.records if r.name == "crm.request"]
    assert (record.tenant, record.user_id, record.path) == (tenant.slug, str(admin.id), path)
