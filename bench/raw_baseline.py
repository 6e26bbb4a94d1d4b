"""The raw baseline: Starlette + asyncpg, one hand-written statement that builds the JSON in
PostgreSQL. It answers the same questions as the GraphQL queries in the bench scripts."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.database import asyncpg_params

CUSTOMERS_WITH_TAGS = """
SELECT json_build_object('data', json_build_object('customers', json_build_object('edges',
  coalesce(json_agg(json_build_object('node', json_build_object(
    'id', c.id, 'name', c.name, 'email', c.email, 'phone', c.phone,
    'tags', (SELECT coalesce(json_agg(json_build_object('name', t.name) ORDER BY t.name_key), '[]')
             FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
             WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id)
  )) ORDER BY c.created_at DESC, c.id DESC), '[]')
)))::text
FROM (SELECT * FROM customer WHERE tenant_id = $1 AND ($2::uuid IS NULL OR owner_id = $2)
      ORDER BY created_at DESC, id DESC LIMIT $3) c
"""

QUERIES = {"customers_with_tags": CUSTOMERS_WITH_TAGS}


def create_app() -> Starlette:
    url = os.environ["BENCH_DATABASE_URL"]
    state: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # No reset on release: same setting the service uses.
        async def keep(_: asyncpg.Connection) -> None:
            return None

        state["pool"] = await asyncpg.create_pool(**asyncpg_params(url), min_size=2, max_size=10, reset=keep)
        yield
        await state["pool"].close()

    async def page(request: Request) -> Response:
        body = json.loads(await request.body())
        params = body["params"]
        async with state["pool"].acquire() as conn:
            text = await conn.fetchval(QUERIES[body["query"]], *params)
        return Response(text, media_type="application/json")

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(lifespan=lifespan, routes=[Route("/raw", page, methods=["POST"]), Route("/healthz", healthz)])
