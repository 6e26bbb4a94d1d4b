"""The GraphQL endpoint: authenticates the request and builds its context once."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from authz.access import Access
from authz.authenticate import authenticate, credential_from_headers
from authz.errors import Unauthenticated
from authz.policy_store import PolicyStore
from authz.tokens import TokenConfig
from schema.context import Context
from schema.schema import with_codes


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, schema: Any, *, policies: PolicyStore, tokens: TokenConfig, graphiql: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=False)
        self.policies = policies
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # No subscriptions: refuse websockets instead of serving an unauthenticated socket.
            await send({"type": "websocket.close", "code": 1008})
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except ClientDisconnect:  # the client left before sending its whole request
            return
        except HTTPException as exc:
            # Malformed bodies get the same JSON error shape as everything else.
            response = JSONResponse(
                {"errors": [{"message": exc.reason, "extensions": {"code": "BAD_REQUEST"}}]},
                status_code=exc.status_code,
            )
        await response(scope, receive, send)

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json for the large nested answers lists produce.
        return orjson.dumps(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = process_result(result)
        if response.get("errors"):
            response["errors"] = with_codes(response["errors"])
        return response

    async def get_context(self, request: Request, response: Response | None = None) -> Context:  # type: ignore[override]
        policy = self.policies.current  # one policy snapshot for the whole request
        try:
            credential = credential_from_headers(request.headers.get("authorization"), request.headers.get("x-api-key"))
            principal = await authenticate(credential, self.tokens)
        except Unauthenticated as exc:
            return Context(request=request, _access=None, auth_error=exc)
        return Context(request=request, _access=Access(principal, policy) if principal else None)
