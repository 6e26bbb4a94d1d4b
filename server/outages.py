"""While PostgreSQL is unreachable every request that needs it answers HTTP 503 with
``Retry-After`` and one error coded DATABASE_UNAVAILABLE, never a 500 with a stack; the pool
reconnects by itself when PostgreSQL is back (asyncpg replaces a pooled connection found closed).

GraphQL resolvers' failures are typed by schema/outages.py; this middleware catches the rest
(authentication's user lookup, the repeated-request path, the file routes)."""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.availability import database_unavailable
from schema.outages import CODE, MESSAGE

log = logging.getLogger("crm.database")

# Long enough for a restart or a failover to progress, short enough that clients come back soon.
RETRY_AFTER_SECONDS = 2


def unavailable_body() -> dict[str, object]:
    return {"errors": [{"message": MESSAGE, "extensions": {"code": CODE}}]}


def unavailable_response() -> JSONResponse:
    return JSONResponse(unavailable_body(), status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class DatabaseOutage:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            if started or not database_unavailable(exc):
                raise
            log.warning("database unavailable: %s %s: %s", scope.get("method"), scope.get("path"), exc)
            await unavailable_response()(scope, receive, send)
