"""A statement PostgreSQL cancelled (``statement_timeout``) answers a typed TIMEOUT error, not a 500."""

from __future__ import annotations

from collections.abc import Iterator

from asyncpg.exceptions import QueryCanceledError
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension


def cancelled_statement(error: GraphQLError) -> bool:
    """Whether the error comes from a statement the database cancelled (through any wrapping)."""
    seen: set[int] = set()
    current: BaseException | None = error.original_error
    while current is not None and id(current) not in seen:
        if isinstance(current, QueryCanceledError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def timeout_error(error: GraphQLError, timeout_ms: int) -> GraphQLError:
    return GraphQLError(
        f"The database stopped this request after {timeout_ms} ms. "
        "Ask for less (smaller pages, fewer nested lists, a narrower filter) or try again later.",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "TIMEOUT", "timeoutMs": timeout_ms},
    )


class StatementTimeouts(SchemaExtension):
    """Rewrite errors from cancelled statements as TIMEOUT before errors are masked."""

    def __init__(self, timeout_ms: int) -> None:
        self.timeout_ms = timeout_ms

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors and any(cancelled_statement(e) for e in errors):
            result.errors = [timeout_error(e, self.timeout_ms) if cancelled_statement(e) else e for e in errors]  # type: ignore[union-attr]
