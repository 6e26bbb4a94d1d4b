"""A resolver that fails because the database is unreachable answers DATABASE_UNAVAILABLE (the
endpoint turns it into HTTP 503 with Retry-After), never a masked 500-like INTERNAL error."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from models.availability import database_unavailable

CODE = "DATABASE_UNAVAILABLE"
MESSAGE = "The database is unavailable for a moment; retry shortly."


def outage_error(error: GraphQLError) -> GraphQLError:
    return GraphQLError(MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": CODE})


class DatabaseOutages(SchemaExtension):
    """Rewrite errors from a lost or refused database connection before errors are masked."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors and any(database_unavailable(e.original_error) for e in errors):
            result.errors = [outage_error(e) if database_unavailable(e.original_error) else e for e in errors]  # type: ignore[union-attr]
