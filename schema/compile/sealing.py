"""Cursors of the compiled read path: PostgreSQL marks where each goes, Python seals them.

The statement writes, where a cursor belongs, a placeholder string: a random per-request marker,
the number of the list it belongs to, the parent row (for a nested list) and the sort values as
hex-encoded JSON. One pass over the answer's bytes replaces each placeholder with the cursor
``resolvers.cursors`` seals for those values, so both paths hand out the very same cursors and
the key never leaves the process. The marker is unguessable, so no stored text can pass for a
placeholder and get a cursor of its choosing sealed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from uuid import UUID

import orjson

from models.sql import Sql
from resolvers.cursors import ListCursors

# The identity of a list under the parent row ``{parent}`` as ``ListCursors.child`` derives it,
# given the list's own identity as the parameter.
CHILD_IDENTITY = "substring(sha256(%s::bytea || uuid_send({parent}.id)) FROM 1 FOR 8)"

_PLACEHOLDER = re.compile(rb'"(~[0-9a-f]{24}~)(\d+):([0-9a-f-]*):([0-9a-f]*)"')


@dataclass
class CursorLists:
    """The lists whose cursors one answer holds, numbered in the order the compiler met them."""

    marker: str = field(default_factory=lambda: "~" + secrets.token_hex(12) + "~")
    lists: list[ListCursors] = field(default_factory=list)
    refusable: bool = False  # a list's cursor may be refused (see ``refusal``)

    def add(self, lists: ListCursors) -> int:
        self.lists.append(lists)
        return len(self.lists) - 1

    def placeholder(self, index: int, parent: str | None, values: list[str]) -> Sql:
        """SQL writing the placeholder of a row's cursor; ``values`` are JSON-ready SQL values."""
        parent_part = f"{parent}::text" if parent else "''"
        return Sql(
            f"(%s || ':' || {parent_part} || ':' || "
            f"encode(convert_to(json_build_array({', '.join(values)})::text, 'UTF8'), 'hex'))",
            f"{self.marker}{index}",
        )

    def refusal(self) -> Sql:
        """SQL marking a list refused (a cursor of another list): see ``refused``."""
        self.refusable = True
        return Sql("to_json(%s::text)", f"{self.marker}refused")

    def refused(self, body: bytes) -> bool:
        """Whether the answer marks a list refused: the general path then answers the request,
        with the error it words on each such list."""
        return self.refusable and (self.marker + "refused").encode() in body

    def seal(self, body: bytes) -> bytes:
        if not self.lists:
            return body
        marker = self.marker.encode()
        children: dict[tuple[int, bytes], ListCursors] = {}

        def one(match: re.Match[bytes]) -> bytes:
            if match[1] != marker:
                return match[0]  # never ours: only this answer's marker is sealed
            index, parent, payload = int(match[2]), match[3], match[4]
            lists = self.lists[index]
            if parent:
                key = (index, parent)
                if key not in children:
                    children[key] = lists.child(UUID(parent.decode()))
                lists = children[key]
            values = orjson.loads(bytes.fromhex(payload.decode()))
            return b'"' + lists.encode(values).encode() + b'"'

        return _PLACEHOLDER.sub(one, body)
