"""/metrics over HTTP: GraphQL requests by operation and outcome, SQL per request, the pool, the job
queue, policy refusals; and the token that guards the page in production."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from models.db import execute
from models.sql import Sql
from resolvers.jobs.enqueue import enqueue
from server.metrics import MetricsEndpoint

CREATE_TEAM = """mutation CreateTeam($i: CreateTeamInput!) { createTeam(input: $i) { __typename } }"""


def sample(page: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition text, or None when it is absent."""
    for line in page.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match[3])
    return None


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_a_graphql_request_is_counted_by_operation_and_outcome(gql, http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    operation = f"Me{uuid.uuid4().hex[:8]}"
    before = await scrape(http)

    await gql.data(f"query {operation} {{ me {{ role }} }}", as_=admin)
    await gql.post("query { me { role } }", as_="not-a-token")  # anonymous, UNAUTHENTICATED
    page = await scrape(http)

    assert sample(before, "crm_graphql_requests_total", operation=operation) is None
    assert sample(page, "crm_graphql_requests_total", operation=operation, outcome="ok") == 1
    assert sample(page, "crm_graphql_request_duration_seconds_count", operation=operation) == 1
    unauthenticated = sample(page, "crm_graphql_requests_total", operation="anonymous", outcome="unauthenticated")
    assert unauthenticated is not None and unauthenticated >= 1
    # Every request's statements and their time in PostgreSQL.
    counted = sample(page, "crm_sql_statements_per_request_count")
    assert counted is not None and counted > (sample(before, "crm_sql_statements_per_request_count") or 0)
    assert (sample(page, "crm_sql_seconds_per_request_sum") or 0) > 0
    # The pool of this process (tests run with CRM_DB_POOL_MAX=30).
    assert sample(page, "crm_db_pool_connections", state="max") == 30


async def test_a_forbidden_mutation_counts_as_a_refusal(gql, http, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    before = sample(await scrape(http), "crm_authz_refusals_total", action="team:manage") or 0

    body = await gql.post(CREATE_TEAM, {"i": {"name": "Mine"}}, as_=seller)
    page = await scrape(http)

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (sample(page, "crm_graphql_requests_total", operation="CreateTeam", outcome="forbidden") or 0) >= 1
    assert sample(page, "crm_authz_refusals_total", action="team:manage") == before + 1


async def until(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the policy store did not react to the edit")


async def test_policy_reloads_and_refused_edits_are_counted(app, http, policy_dir):
    store = app.state.policies
    path = policy_dir / "policy.csv"
    original = path.read_text()
    before = await scrape(http)
    try:
        path.write_text(original + "\np, nonsense\n")  # a line the check refuses
        await until(lambda: store.last_error is not None)
        refused = await scrape(http)
    finally:
        path.write_text(original)  # valid again: swapped in
        await until(lambda: store.last_error is None)
    after = await scrape(http)

    assert (
        sample(refused, "crm_policy_reloads_total", result="refused")
        == (sample(before, "crm_policy_reloads_total", result="refused") or 0) + 1
    )
    assert (
        sample(after, "crm_policy_reloads_total", result="reloaded")
        == (sample(before, "crm_policy_reloads_total", result="reloaded") or 0) + 1
    )


async def test_the_job_queue_is_read_when_scraped(http):
    entrypoint = f"metrics.test.{uuid.uuid4().hex[:8]}"  # no handler: no worker takes it
    await enqueue(entrypoint, {}, tenant_less=True)
    try:
        page = await scrape(http)
    finally:
        await execute(Sql("DELETE FROM pgqueuer WHERE entrypoint = %s", entrypoint))

    assert sample(page, "crm_jobs_queued", entrypoint=entrypoint) == 1
    age = sample(page, "crm_jobs_oldest_queued_age_seconds", entrypoint=entrypoint)
    assert age is not None and 0 <= age < 60


async def test_client_chosen_operation_names_cannot_flood_the_labels(monkeypatch):
    from server import metrics

    monkeypatch.setattr(metrics, "_operations", set())  # the names other tests use stay countable
    assert metrics.operation_label("Bad name\n") == "other"
    assert metrics.operation_label(None) == "anonymous"
    for n in range(metrics.MAX_OPERATIONS + 5):
        metrics.operation_label(f"Flood{n}")
    assert len(metrics._operations) <= metrics.MAX_OPERATIONS
    assert metrics.operation_label(f"Flood{metrics.MAX_OPERATIONS + 10}") == "other"


@pytest.fixture(scope="module")
def production_app() -> Starlette:
    """/metrics as create_app serves it in production (CRM_ENV=production, CRM_METRICS_TOKEN set)."""
    page = MetricsEndpoint("scrape-" + "s" * 30, development=False)
    return Starlette(routes=[Route("/metrics", page.page, methods=["GET"])])


async def test_production_without_a_token_refuses_everyone():
    page = MetricsEndpoint(None, development=False)
    app = Starlette(routes=[Route("/metrics", page.page, methods=["GET"])])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://crm.test") as c:
        response = await c.get("/metrics", headers={"Authorization": "Bearer "})

    assert response.status_code == 401 and "CRM_METRICS_TOKEN" in response.text


def test_settings_decide_the_guard():
    assert MetricsEndpoint(None, development=True).open
    assert not MetricsEndpoint("t" * 32, development=True).open  # a token set is always required


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic c2NyYXBl", "scrape-" + "s" * 30])
async def test_production_refuses_metrics_without_the_token(production_app, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=production_app), base_url="http://crm.test") as c:
        response = await c.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert "crm_graphql_requests" not in response.text


async def test_production_serves_metrics_with_the_token(production_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=production_app), base_url="http://crm.test") as c:
        response = await c.get("/metrics", headers={"Authorization": "Bearer scrape-" + "s" * 30})

    assert response.status_code == 200
    assert "# TYPE crm_graphql_requests_total counter" in response.text


async def test_a_repeated_compiled_read_keeps_its_operation_name(gql, http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.customer(tenant, name="Repeat")
    operation = f"Page{uuid.uuid4().hex[:8]}"
    query = f"query {operation} {{ customers(first: 5) {{ edges {{ node {{ id name }} }} }} }}"

    for _ in range(3):  # the second and third may be answered from the compiled path's repeats
        await gql.data(query, as_=admin)

    assert sample(await scrape(http), "crm_graphql_requests_total", operation=operation, outcome="ok") == 3
