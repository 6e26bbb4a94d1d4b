"""Relay connections, and the one check of page arguments every connection field runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from resolvers.errors import DomainError
from resolvers.pagination import page_size
from schema.permissions import api_error

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a keyset-paginated list (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    _total_count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items in the whole list; computed only when asked.")
    async def total_count(self) -> int:
        return await self._total_count()


def build_connection(
    nodes: list[T],
    cursors: list[str],
    *,
    has_next: bool,
    has_previous: bool,
    total_count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        _total_count=total_count,
    )


def check_page_arguments(arguments: Mapping[str, Any]) -> None:
    """Refuse ``first`` out of range before anything is read (the compiled list path calls it too).

    Cursors are checked by the list that reads them: only it knows which cursors are its own.
    """
    page_size(arguments.get("first"))


class PageArguments(FieldExtension):
    """On every connection field, root or nested: a refused page argument, or a cursor the list
    does not recognise, is a BAD_USER_INPUT error on that field, wherever the list sits."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            check_page_arguments(kwargs)
            return next_(source, info, **kwargs)
        except DomainError as exc:
            raise api_error(exc) from None

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            check_page_arguments(kwargs)
            return await next_(source, info, **kwargs)
        except DomainError as exc:
            raise api_error(exc) from None


def paged() -> list[FieldExtension]:
    """For a connection field. On a root field, put it before ``requires(...)`` so that who may
    ask is decided before what was asked: ``extensions=[*paged(), *requires(P.X)]``."""
    return [PageArguments()]
