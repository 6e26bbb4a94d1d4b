"""GraphQL over HTTP: which media type to answer with, and what a well-formed request is.

Pure functions over headers and bytes, so the rules are testable without a server. A request
that is not a well-formed GraphQL-over-HTTP request is a ``Refusal`` (an HTTP status and a
message); the endpoint (server/graphql_view.py) answers it in the usual error shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from schema.string_input import string_fault

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
# When an Accept header rates both the same (e.g. "*/*"), the legacy type wins: every client reads it.
_SUPPORTED = (JSON, GRAPHQL_RESPONSE_JSON)

# Variables an API like this one takes are a few levels deep; nothing legitimate nests further.
MAX_JSON_DEPTH = 64

_CODES = {
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class Refusal(Exception):
    """The request is not a well-formed GraphQL-over-HTTP request; nothing runs."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    @property
    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": {"code": _CODES.get(self.status, "BAD_REQUEST")}}]}


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = field(default=None)


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def _rating(media: str, ranges: list[tuple[str, float]]) -> tuple[float, int, int] | None:
    """(q, specificity, -position) of the most specific range that matches ``media``."""
    kind = media.split("/")[0]
    best: tuple[float, int, int] | None = None
    for position, (pattern, q) in enumerate(ranges):
        specificity = 2 if pattern == media else 1 if pattern == f"{kind}/*" else 0 if pattern == "*/*" else -1
        if specificity < 0:
            continue
        if best is None or specificity > best[1]:
            best = (q, specificity, -position)
    return best


def negotiate(accept: str | None) -> str:
    """The response media type for an ``Accept`` header, or a 406 Refusal.

    No Accept header at all means application/graphql-response+json, as the GraphQL-over-HTTP
    spec asks since 2025; "*/*" (what curl, browsers' fetch and most libraries send) keeps
    application/json.
    """
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE_JSON
    ranges = _media_ranges(accept)
    rated = []
    for preference, media in enumerate(_SUPPORTED):
        rating = _rating(media, ranges)
        if rating is not None and rating[0] > 0:
            rated.append((rating, -preference, media))
    if not rated:
        raise Refusal(
            406, f"None of the media types in Accept can be served; accept {GRAPHQL_RESPONSE_JSON} or {JSON}."
        )
    return max(rated)[2]


def _check_content_type(content_type: str | None) -> None:
    if not content_type:
        raise Refusal(415, f"The request has no Content-Type; send the GraphQL request as {JSON}.")
    media, *params = (p.strip() for p in content_type.split(";"))
    if media.lower() != JSON:
        raise Refusal(415, f"Content-Type {media or '(empty)'} is not supported; send the GraphQL request as {JSON}.")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise Refusal(415, "Only the utf-8 charset is supported.")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}.get(
        type(value), "an object"
    )


def decode_request(content_type: str | None, body: bytes) -> GraphQLRequest:
    """The GraphQL request in a POST body, or a Refusal saying what is wrong with it."""
    _check_content_type(content_type)
    if not body.strip():
        raise Refusal(400, 'The request body is empty; send a JSON object such as {"query": "{ me { role } }"}.')
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "The request body is not valid UTF-8.") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise Refusal(400, f"The request body's JSON is nested more than {MAX_JSON_DEPTH} levels deep.") from None
    except ValueError:  # json.JSONDecodeError included
        raise Refusal(400, "The request body is not valid JSON.") from None
    if isinstance(data, list):
        raise Refusal(
            400, "Batched requests (a JSON array of operations) are not supported; send one operation per request."
        )
    if not isinstance(data, dict):
        raise Refusal(400, f'The request body must be a JSON object with a "query", not {_kind(data)}.')
    if _too_deep(data):
        raise Refusal(400, f"The request body's JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    query = data.get("query")
    if query is None or query == "":
        raise Refusal(400, 'The request has no "query": send the GraphQL document as a string in "query".')
    if not isinstance(query, str):
        raise Refusal(400, f'"query" must be a string, not {_kind(query)}.')
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise Refusal(400, f'"variables" must be an object or null, not {_kind(variables)}.')
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise Refusal(400, f'"operationName" must be a string or null, not {_kind(operation_name)}.')
    extensions = data.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise Refusal(400, f'"extensions" must be an object or null, not {_kind(extensions)}.')
    # (A bad character in "query" is the parser's to report; "variables" are the schema's.)
    fault = operation_name and string_fault(operation_name)
    if fault:
        raise Refusal(400, f'"operationName" contains {fault}.')
    return GraphQLRequest(query, variables, operation_name, extensions)
