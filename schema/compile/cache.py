"""Compiled statements of repeated requests, kept for the next identical one.

A client sends the same documents over and over. The statement a request compiles to depends on
its operation, its variables, the caller (tenant, user or API key, role, teams, the company's
settings) and the policy snapshot, and on nothing read from the database as long as no root
asks for a filter (a filter names tags, teams and custom fields, which are read while planning):
those requests are compiled once and answered from here afterwards, each with its own cursor
marker.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

import orjson
from graphql.language import OperationDefinitionNode

from authz.access import Access
from models.sql import Sql
from schema.compile.sealing import CursorLists

Key = tuple[int, bytes, Any, str]


class CompiledCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Key, tuple[OperationDefinitionNode, Any]] = OrderedDict()

    @staticmethod
    def key(operation: OperationDefinitionNode, variables: dict[str, Any], access: Access) -> Key | None:
        try:
            values = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=repr)
        except TypeError:
            return None
        return (id(operation), values, access.principal, access.policy.fingerprint)

    def get(self, key: Key, operation: OperationDefinitionNode) -> Any:
        found = self._entries.get(key)
        # The operation is held by the entry, so its id cannot be reused by another document meanwhile.
        if found is None or found[0] is not operation:
            return None
        self._entries.move_to_end(key)
        return renewed(found[1])

    def put(self, key: Key, operation: OperationDefinitionNode, query: Any) -> None:
        self._entries[key] = (operation, query)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def renewed(query: Any) -> Any:
    """The compiled query with a fresh cursor marker (each answer has its own)."""
    if query.sql is None or not query.cursors.lists:
        return query
    old = query.cursors.marker
    fresh = CursorLists(lists=query.cursors.lists, refusable=query.cursors.refusable)
    params = tuple(
        fresh.marker + p[len(old) :] if isinstance(p, str) and p.startswith(old) else p for p in query.sql.params
    )
    return replace(query, sql=Sql._joined(query.sql.text, params), cursors=fresh)
