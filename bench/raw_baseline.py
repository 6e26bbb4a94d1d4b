"""The raw baseline: Starlette + asyncpg, one hand-written statement that builds the JSON in
PostgreSQL. It answers the same questions as the GraphQL queries in the bench scripts."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator

import asyncpg
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
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

# A page of 50 with tags, open tasks (and who is responsible) and the last note (and its author).
CUSTOMERS_NESTED = """
SELECT json_build_object('data', json_build_object('customers', json_build_object('nodes',
  coalesce(json_agg(json_build_object(
    'id', c.id, 'name', c.name,
    'tags', (SELECT coalesce(json_agg(json_build_object('name', t.name) ORDER BY t.name_key), '[]')
             FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
             WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id),
    'openTasks', (SELECT coalesce(json_agg(json_build_object('title', k.title, 'dueAt', k.due_at,
                    'responsible', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = k.responsible_id))
                    ORDER BY k.due_at NULLS LAST, k.id), '[]')
                  FROM task k WHERE k.tenant_id = c.tenant_id AND k.customer_id = c.id AND k.status = 'open'),
    'lastNote', (SELECT json_build_object('body', n.body,
                   'author', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = n.author_id))
                 FROM note n WHERE n.tenant_id = c.tenant_id AND n.customer_id = c.id
                 ORDER BY n.created_at DESC, n.id DESC LIMIT 1)
  ) ORDER BY c.created_at DESC, c.id DESC), '[]')
)))::text
FROM (SELECT * FROM customer WHERE tenant_id = $1 AND ($2::uuid IS NULL OR owner_id = $2)
      AND merged_into_id IS NULL ORDER BY created_at DESC, id DESC LIMIT $3) c
"""

# One customer's profile: owner, teams, tags, last 20 timeline entries, open tasks, and the last
# conversation with its last 10 messages.
PROFILE = """
WITH c AS (SELECT * FROM customer WHERE id = $1 AND tenant_id = $2),
timeline AS (
  SELECT * FROM (
    SELECT 'Note' AS kind, n.id, n.created_at AS at, json_build_object('body', n.body) AS item
      FROM note n WHERE n.tenant_id = $2 AND n.customer_id = $1
    UNION ALL SELECT 'Task', k.id, k.created_at, json_build_object('title', k.title)
      FROM task k WHERE k.tenant_id = $2 AND k.customer_id = $1
    UNION ALL SELECT 'Conversation', v.id, v.last_message_at, json_build_object('channel', v.channel)
      FROM conversation v WHERE v.tenant_id = $2 AND v.customer_id = $1
    UNION ALL SELECT 'Appointment', a.id, a.starts_at, json_build_object('title', a.title)
      FROM appointment a WHERE a.tenant_id = $2 AND a.customer_id = $1
    UNION ALL SELECT 'Purchase', p.id, p.occurred_at, json_build_object('amount', p.amount)
      FROM purchase p WHERE p.tenant_id = $2 AND p.customer_id = $1
    UNION ALL SELECT 'HistoryEntry', e.id, e.created_at, json_build_object('kind', e.kind)
      FROM customer_event e WHERE e.tenant_id = $2 AND e.customer_id = $1
  ) u ORDER BY at DESC, id DESC LIMIT 20
),
last_conversation AS (
  SELECT * FROM conversation v WHERE v.tenant_id = $2 AND v.customer_id = $1
  ORDER BY v.last_message_at DESC, v.id DESC LIMIT 1
)
SELECT json_build_object('data', json_build_object('customer', json_build_object(
  'id', c.id, 'name', c.name, 'email', c.email, 'phone', c.phone,
  'owner', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = c.owner_id),
  'teams', (SELECT coalesce(json_agg(json_build_object('name', t.name) ORDER BY t.name), '[]')
            FROM customer_team ct JOIN team t ON t.id = ct.team_id WHERE ct.tenant_id = $2 AND ct.customer_id = c.id),
  'tags', (SELECT coalesce(json_agg(json_build_object('name', t.name) ORDER BY t.name_key), '[]')
           FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.tenant_id = $2 AND ct.customer_id = c.id),
  'timeline', (SELECT coalesce(json_agg(item::jsonb || jsonb_build_object('__typename', kind) ORDER BY at DESC, id DESC),
               '[]') FROM timeline),
  'openTasks', (SELECT coalesce(json_agg(json_build_object('title', k.title,
                  'responsible', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = k.responsible_id))
                  ORDER BY k.due_at NULLS LAST, k.id), '[]')
                FROM task k WHERE k.tenant_id = $2 AND k.customer_id = c.id AND k.status = 'open'),
  'lastConversation', (SELECT json_build_object('channel', v.channel, 'messages', (
      SELECT coalesce(json_agg(json_build_object('body', m.body, 'direction', m.direction,
               'author', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = m.author_id))
               ORDER BY m.sent_at DESC, m.id DESC), '[]')
      FROM (SELECT * FROM message m WHERE m.tenant_id = $2 AND m.conversation_id = v.id
            ORDER BY m.sent_at DESC, m.id DESC LIMIT 10) m))
    FROM last_conversation v)
)))::text
FROM c
"""


# bench/read_model.py (ids as the API's global ids): a page of 50 active customers (the API's default list) with tags, the last
# 3 notes and the open tasks. Two texts, not
# one with "$2 IS NULL OR owner_id = $2": a generic plan of that would not use the owner index.
def _read_page(scope: str) -> str:
    return f"""
SELECT json_build_object('data', json_build_object('customers', json_build_object('nodes',
  coalesce(json_agg(json_build_object(
    'id', encode(convert_to('Customer:' || c.id::text, 'UTF8'), 'base64'), 'name', c.name,
    'tags', (SELECT coalesce(json_agg(json_build_object('name', t.name) ORDER BY t.name_key), '[]')
             FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
             WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id),
    'notes', json_build_object('nodes', (
      SELECT coalesce(json_agg(json_build_object('body', n.body) ORDER BY n.created_at DESC, n.id DESC), '[]')
      FROM (SELECT n.body, n.created_at, n.id FROM note n WHERE n.tenant_id = c.tenant_id AND n.customer_id = c.id
            ORDER BY n.created_at DESC, n.id DESC LIMIT 3) n)),
    'openTasks', (SELECT coalesce(json_agg(json_build_object('title', k.title, 'dueAt', k.due_at,
                    'responsible', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = k.responsible_id))
                    ORDER BY k.due_at NULLS LAST, k.id), '[]')
                  FROM task k WHERE k.tenant_id = c.tenant_id AND k.customer_id = c.id AND k.status = 'open')
  ) ORDER BY c.created_at DESC, c.id DESC), '[]')
)))::text
FROM (SELECT * FROM customer WHERE tenant_id = $1 AND merged_into_id IS NULL AND status = 'active'{scope}
      ORDER BY created_at DESC, id DESC LIMIT $2) c
"""


# One profile: owner, tags, the last 20 notes with their authors, the first 20 tasks (soonest due).
READ_PROFILE = """
SELECT json_build_object('data', json_build_object('customer', json_build_object(
  'id', encode(convert_to('Customer:' || c.id::text, 'UTF8'), 'base64'), 'name', c.name, 'email', c.email, 'phone', c.phone,
  'owner', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = c.owner_id),
  'tags', (SELECT coalesce(json_agg(json_build_object('name', t.name) ORDER BY t.name_key), '[]')
           FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id),
  'notes', json_build_object('nodes', (
    SELECT coalesce(json_agg(json_build_object('body', n.body, 'createdAt', n.created_at,
             'author', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = n.author_id))
             ORDER BY n.created_at DESC, n.id DESC), '[]')
    FROM (SELECT * FROM note n WHERE n.tenant_id = c.tenant_id AND n.customer_id = c.id
          ORDER BY n.created_at DESC, n.id DESC LIMIT 20) n)),
  'tasks', json_build_object('nodes', (
    SELECT coalesce(json_agg(json_build_object('title', k.title, 'status', upper(k.status), 'dueAt', k.due_at,
             'responsible', (SELECT json_build_object('name', u.name) FROM app_user u WHERE u.id = k.responsible_id))
             ORDER BY k.due_at NULLS LAST, k.id), '[]')
    FROM (SELECT * FROM task k WHERE k.tenant_id = c.tenant_id AND k.customer_id = c.id
          ORDER BY k.due_at NULLS LAST, k.id LIMIT 20) k))
)))::text
FROM customer c WHERE c.id = $1 AND c.tenant_id = $2 AND c.merged_into_id IS NULL
"""

# Active customers whose names start with $2 (folded, as search_text is): a range on the C-collated
# name index.
NAME_PREFIX = """
SELECT json_build_object('data', json_build_object('customers', json_build_object('nodes',
  coalesce(json_agg(json_build_object('id', encode(convert_to('Customer:' || c.id::text, 'UTF8'), 'base64'), 'name', c.name, 'email', c.email, 'phone', c.phone)
                    ORDER BY c.search_text COLLATE "C", c.id), '[]'))))::text
FROM (SELECT * FROM customer WHERE tenant_id = $1 AND merged_into_id IS NULL AND status = 'active'
      AND search_text COLLATE "C" >= $2 AND search_text COLLATE "C" < $3
      ORDER BY search_text COLLATE "C", id LIMIT $4) c
"""

QUERIES = {
    "customers_with_tags": CUSTOMERS_WITH_TAGS,
    "customers_nested": CUSTOMERS_NESTED,
    "profile": PROFILE,
    "read_page": _read_page(""),
    "read_page_owned": _read_page(" AND owner_id = $3"),
    "read_profile": READ_PROFILE,
    "name_prefix": NAME_PREFIX,
}


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
        try:
            body = json.loads(await request.body())
        except ClientDisconnect:  # the load generator hangs up at the end of a run
            return Response(status_code=499)
        params = body["params"]
        async with state["pool"].acquire() as conn:
            text = await conn.fetchval(QUERIES[body["query"]], *params)
        return Response(text, media_type="application/json")

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(lifespan=lifespan, routes=[Route("/raw", page, methods=["POST"]), Route("/healthz", healthz)])
