"""Typed errors returned inside mutation results, and the one place domain errors map to them."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, ParamSpec, TypeVar

import strawberry

from resolvers import errors as domain

FieldErrorCode = strawberry.enum(domain.FieldErrorCode, name="FieldErrorCode")


@strawberry.interface(description="Common shape of every expected failure in a mutation result.")
class Error:
    message: str


@strawberry.type
class FieldError:
    field: str = strawberry.field(description="Input path, e.g. 'email' or 'address.city'.")
    code: FieldErrorCode
    message: str


@strawberry.type(description="The input was refused; nothing was written.")
class ValidationFailed(Error):
    fields: list[FieldError]


@strawberry.type(description="No such record, or one you may not see. Nothing was written.")
class NotFound(Error):
    id: strawberry.ID | None


@strawberry.type(description="The record changed since you read it; nothing was written.")
class VersionConflict(Error):
    expected_version: int
    current_version: int


P = ParamSpec("P")
R = TypeVar("R")


def to_error(exc: domain.DomainError, info: Any) -> Any:
    """The schema type for a domain error. Areas register more in ``ERROR_MAPPERS``."""
    for kind in type(exc).__mro__:
        mapper = ERROR_MAPPERS.get(kind)
        if mapper is not None:
            return mapper(exc, info)
    raise exc


# Domain error class -> (error, info) -> schema type. Areas add their own (see schema/duplicates.py).
ERROR_MAPPERS: dict[type[Exception], Callable[[Any, Any], Any]] = {
    domain.ValidationFailed: lambda e, _: ValidationFailed(
        message=e.message,
        fields=[FieldError(field=f.field, code=f.code, message=f.message) for f in e.errors],
    ),
    domain.NotFound: lambda e, _: NotFound(message=str(e), id=e.ref),
    domain.VersionConflict: lambda e, _: VersionConflict(
        message=str(e), expected_version=e.expected, current_version=e.current
    ),
}


def returns_errors(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Let a mutation resolver answer domain errors as typed union members.

    The resolver must take ``info``; mappers use it (e.g. to present a matched customer).
    """

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except domain.DomainError as exc:
            return to_error(exc, kwargs.get("info"))

    return wrapper


def enum_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value
