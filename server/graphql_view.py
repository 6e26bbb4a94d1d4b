"""The GraphQL endpoint: GraphQL over HTTP (POST only), one context per request, one answer shape.

A request that is not well-formed (wrong method, Accept, Content-Type or body) is refused with
its HTTP status before anything runs (server/graphql_http.py). A well-formed one is executed;
its answer is ``application/json`` (200, also for parse, validation and variable errors) or,
when the client asks for it, ``application/graphql-response+json``, where a document that was
not executed (a request error) answers 400 without ``data``, as the GraphQL-over-HTTP spec asks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from authz.access import Access
from authz.authenticate import authenticate, credential_from_headers, forget_principals
from authz.errors import Unauthenticated
from authz.policy_store import PolicyStore
from authz.tokens import TokenConfig
from schema import outages
from schema.compile import repeats
from schema.compile.execution import answer_repeat
from schema.context import Context
from schema.schema import with_codes
from server import idempotency, metrics, request_stats
from server.graphql_http import GRAPHQL_RESPONSE_JSON, GraphQLRequest, Refusal, decode_request, negotiate
from server.graphql_ide import GraphiQLIde
from server.graphql_multipart import decode_multipart, is_multipart
from server.outages import RETRY_AFTER_SECONDS
from server.rate_limits import RateLimiter

log = logging.getLogger("crm.graphql")

_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


def encode_json(data: object) -> bytes:
    try:
        # orjson: several times faster than json for the large nested answers lists produce.
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        # A string orjson will not write (a lone surrogate echoed in a message): escape it.
        return json.dumps(data, ensure_ascii=True, default=str).encode()


class GraphQLView:
    def __init__(
        self,
        schema: Any,
        *,
        policies: PolicyStore,
        tokens: TokenConfig,
        ide: GraphiQLIde | None = None,
        import_max_bytes: int = 50 * 1024 * 1024,
        idempotency_config: idempotency.Config = idempotency.DEFAULT,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.limiter = limiter or RateLimiter(0, 0)
        self.schema = schema
        self.idempotency_config = idempotency_config
        self.import_max_bytes = import_max_bytes
        self.policies = policies
        self.tokens = tokens
        self.ide = ide  # GraphiQL's page on a browser's GET; None when it is off (production)
        # The operation each executed document ran, by its text (for logs and metrics).
        self.operation_names: dict[str, str | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # No subscriptions: refuse websockets instead of serving an unauthenticated socket.
            await send({"type": "websocket.close", "code": 1008})
            return
        try:
            response = await self.handle(Request(scope=scope, receive=receive))
        except ClientDisconnect:  # the client left before sending its whole request
            return
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        wants_ide = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        if self.ide and wants_ide and "query" not in request.query_params:
            return self.ide.page_response()
        media = None
        try:
            if request.method != "POST":
                raise Refusal(
                    405,
                    "GraphQL requests must be sent with POST; GET is not served (it would put operations "
                    "and variables in URLs and logs).",
                    {"Allow": "POST"},
                )
            media = negotiate(request.headers.get("accept"))
            content_type = request.headers.get("content-type")
            if is_multipart(content_type):
                return await self.handle_upload(request, media)
            graphql_request = decode_request(content_type, await request.body())
        except Refusal as refusal:
            log.info("request refused (%d): %s", refusal.status, refusal.message)
            return self.refuse(refusal, media)
        return await self.answer(request, graphql_request, media)

    def refuse(self, refusal: Refusal, media: str | None) -> Response:
        note_outcome(None, refusal.body)
        return self.respond(refusal.body, refusal.status, media, refusal.headers)

    async def handle_upload(self, request: Request, media: str) -> Response:
        """A multipart request (file uploads): its files live on disk for the request only."""
        files: list[Path] = []
        try:
            try:
                graphql_request = await decode_multipart(request, files)
            except Refusal as refusal:
                log.info("request refused (%d): %s", refusal.status, refusal.message)
                return self.refuse(refusal, media)
            return await self.answer(request, graphql_request, media)
        finally:
            for path in files:
                await asyncio.to_thread(path.unlink, missing_ok=True)

    async def answer(self, request: Request, graphql_request: GraphQLRequest, media: str) -> Response:
        context = await self.get_context(request)
        idempotency_key = request.headers.get(idempotency.HEADER)
        access = context._access
        if idempotency_key is not None and access is not None and idempotency.is_mutation(graphql_request):
            return await self.answer_once(access, idempotency_key, graphql_request, context, media)
        body, status = await self.run(graphql_request, context, media)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
        return self.respond(body, status, media, headers)

    async def answer_once(
        self, access: Access, key: str, graphql_request: GraphQLRequest, context: Context, media: str
    ) -> Response:
        """A mutation sent with an Idempotency-Key: executed once, its answer kept (server/idempotency.py)."""
        media_type = f"{media}; charset=utf-8"

        async def run() -> idempotency.Answer:
            body, status = await self.run(graphql_request, context, media)
            if idempotency.failed(body, context.executed):
                if "data" in body:
                    body["data"] = None  # rolled back: nothing the data reports was kept
                raise idempotency.Failed(idempotency.Answer(encode_json(body), status, media_type))
            return idempotency.Answer(encode_json(body), status, media_type)

        answer = await idempotency.answer_once(
            self.idempotency_config, access.principal, key, graphql_request, media_type, run
        )
        headers = {"Vary": "Accept"}
        if answer.replayed:
            headers[idempotency.REPLAYED_HEADER] = "true"
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers=headers)

    async def run(self, graphql_request: GraphQLRequest, context: Context, media: str) -> tuple[dict[str, Any], int]:
        """Execute a request: its answer's body and HTTP status."""
        key = self.repeat_key(graphql_request, context)
        if key is not None:
            data = await answer_repeat(key)
            if data is not None:
                context.executed = True
                repeated = {"data": data}
                note_outcome(self.operation_names.get(graphql_request.query, graphql_request.operation_name), repeated)
                return repeated, 200
        remembered = repeats.current.set(key)
        try:
            result = await self.execute(graphql_request, context)
        finally:
            repeats.current.reset(remembered)
            if "mutation" in graphql_request.query:
                # It may have changed a user, a key, a team or the settings: principals are read afresh.
                forget_principals()
        body: dict[str, Any] = {}
        executed = context.executed
        if executed or media != GRAPHQL_RESPONSE_JSON:
            body["data"] = result.data
        if result.errors:
            body["errors"] = with_codes([dict(error.formatted) for error in result.errors])
        if result.extensions:
            body["extensions"] = result.extensions
        status = 400 if not executed and media == GRAPHQL_RESPONSE_JSON else 200
        if any(error["extensions"]["code"] == outages.CODE for error in body.get("errors", ())):
            status = 503  # the database is down: nothing this request did can be trusted
        operation = context.operation_name or graphql_request.operation_name
        if executed:  # a repeat of this document is answered without executing it: remember its name
            if len(self.operation_names) >= 1024:
                self.operation_names.clear()
            self.operation_names[graphql_request.query] = operation
        note_outcome(operation, body)
        return body, status

    @staticmethod
    def repeat_key(request: GraphQLRequest, context: Context) -> repeats.Key | None:
        """The key of a query the compiled path may have answered before (schema/compile/repeats.py)."""
        access = context._access
        if access is None or not access.authenticated or request.extensions:
            return None
        return repeats.request_key(request.query, request.operation_name, request.variables, access)

    async def execute(self, request: GraphQLRequest, context: Context) -> ExecutionResult:
        try:
            return await self.schema.execute(
                request.query,
                variable_values=request.variables,
                context_value=context,
                operation_name=request.operation_name,
                allowed_operation_types=_OPERATIONS,
                operation_extensions=request.extensions,
            )
        except CannotGetOperationTypeError as exc:  # operationName names no operation of the document
            error = GraphQLError(exc.as_http_error_reason())
        except InvalidOperationTypeError as exc:
            error = GraphQLError(f"{exc.operation_type.value.capitalize()} operations are not supported.")
        except MissingQueryError:
            error = GraphQLError("The request has no query.")
        return ExecutionResult(data=None, errors=[error])

    @staticmethod
    def respond(
        body: dict[str, Any], status: int, media: str | None, headers: dict[str, str] | None = None
    ) -> Response:
        return Response(
            encode_json(body),
            status_code=status,
            media_type=f"{media or 'application/json'}; charset=utf-8",
            headers={"Vary": "Accept", **(headers or {})},
        )

    async def get_context(self, request: Request) -> Context:
        policy = self.policies.current  # one policy snapshot for the whole request
        try:
            credential = credential_from_headers(request.headers.get("authorization"), request.headers.get("x-api-key"))
            principal = await authenticate(credential, self.tokens)
        except Unauthenticated as exc:
            return Context(request=request, _access=None, auth_error=exc, import_max_bytes=self.import_max_bytes)
        if principal is not None:
            request_stats.note_principal(principal)
        await self.limiter.charge(principal)  # RateLimited: answered 429 (server/rate_limits.py)
        return Context(
            request=request,
            _access=Access(principal, policy) if principal else None,
            import_max_bytes=self.import_max_bytes,
        )


def note_outcome(operation: str | None, body: dict[str, Any]) -> None:
    """Tell the request's observer (server/request_observer.py) what ran and how it ended."""
    stats = request_stats.current.get()
    if stats is not None:
        stats.operation = operation
        errors = body.get("errors") or ()
        stats.outcome = metrics.outcome_of(error.get("extensions", {}).get("code") for error in errors)
