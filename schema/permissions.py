"""What each root field needs, declared next to it and checked once per request.

Every root Query and Mutation field carries a ``Requires`` extension (a test walks the schema to
make sure); nested fields carry none, so the hot per-row path pays nothing for authorization:
rows were already filtered in SQL by the root field's scope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from authz.catalogue import Permission
from authz.errors import Forbidden, Unauthenticated
from resolvers.errors import DomainError, ValidationFailed


def api_error(exc: Exception) -> GraphQLError:
    """A top-level error with a stable ``extensions.code``; safe to show to the client."""
    if isinstance(exc, Unauthenticated | Forbidden):
        return GraphQLError(str(exc), extensions={"code": exc.code})
    if isinstance(exc, ValidationFailed):
        return GraphQLError(
            exc.message,
            extensions={
                "code": "BAD_USER_INPUT",
                "fields": [{"field": e.field, "code": e.code.value, "message": e.message} for e in exc.errors],
            },
        )
    if isinstance(exc, DomainError):
        return GraphQLError(str(exc), extensions={"code": "BAD_USER_INPUT"})
    raise exc


class Requires(FieldExtension):
    def __init__(self, *permissions: Permission, public: bool = False) -> None:
        self.permissions = permissions
        self.public = public

    def _check(self, info: Info) -> None:
        if self.public:
            return
        access = info.context.access  # raises Unauthenticated without a valid credential
        for perm in self.permissions:
            access.require(perm)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            self._check(info)
            return next_(source, info, **kwargs)
        except (Unauthenticated, Forbidden, DomainError) as exc:
            raise api_error(exc) from None

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            self._check(info)
            return await next_(source, info, **kwargs)
        except (Unauthenticated, Forbidden, DomainError) as exc:
            raise api_error(exc) from None


def requires(*permissions: Permission) -> list[FieldExtension]:
    """For a root field: the caller must be authenticated and hold every permission given."""
    return [Requires(*permissions)]


def public() -> list[FieldExtension]:
    """For a root field that anyone may call, signed in or not."""
    return [Requires(public=True)]
