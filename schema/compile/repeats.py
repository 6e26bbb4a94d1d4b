"""Repeated requests answered without the GraphQL pipeline.

A request with the same text, operation name and variables as an earlier one the compiled path
answered, from the same caller under the same policy snapshot, compiles to the same statement:
parsing, validation, the limits (tokens, depth, aliases, cost), the variable checks and the
compiler depend on nothing else, and all of them passed then. Such a request skips straight to
the statement (with a fresh cursor marker, see ``cache.renewed``); Strawberry's per-request
pipeline was most of the CPU a compiled read cost. Only requests whose statement the compiled
cache keeps are remembered (not those whose plan read the database, e.g. a filter), and a
statement that fails here is run again by the whole pipeline, which reports the error as usual.
"""

from __future__ import annotations

from collections import OrderedDict
from contextvars import ContextVar
from typing import Any

import orjson

from authz.access import Access
from schema.compile.cache import renewed

Key = tuple[str, str | None, bytes, Any, str]

# The key of the request being executed, set by the HTTP layer while the pipeline runs it.
current: ContextVar[Key | None] = ContextVar("compiled_request", default=None)


def request_key(query: str, operation_name: str | None, variables: Any, access: Access) -> Key | None:
    try:
        values = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return (query, operation_name, values, access.principal, access.policy.fingerprint)


class Repeats:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Key, Any] = OrderedDict()

    def get(self, key: Key) -> Any:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return renewed(found)

    def remember(self, query: Any) -> None:
        """Called by the compiled path when it keeps ``query`` for the request being executed."""
        key = current.get()
        if key is None:
            return
        self._entries[key] = query
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, key: Key) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


REPEATS = Repeats()
