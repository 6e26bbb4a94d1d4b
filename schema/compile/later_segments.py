"""The later segments of a relevance search, left to ``crm_segment_rows`` (migration 0014).

PostgreSQL plans every branch of a statement before it runs any, about half a millisecond per
segment, while the first two (the exact name, then names starting with the text) usually fill
the page. Later segments are handed to the function as query texts instead: it plans and runs
them one after the other, with their values known, only when the statement reaches it.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from models.sql import Sql

_MARKER = re.compile(r"%[s%]")
# Values a segment may carry, read back from the jsonb array of arguments; anything else (a
# filter's dates, lists, numbers) keeps the segments in the statement.
_TYPES: tuple[tuple[type, str], ...] = ((bool, "boolean"), (int, "bigint"), (str, "text"), (UUID, "uuid"))


def _sql_type(value: Any) -> str | None:
    for kind, name in _TYPES:
        if isinstance(value, kind):
            return name
    return None


def standalone(query: Sql, args: list[Any]) -> str | None:
    """``query`` as a text that reads its values from the jsonb array ``$1`` (appended to
    ``args``), or None when a value has no plain form there."""
    values = iter(query.params)
    failed = False

    def placeholder(match: re.Match[str]) -> str:
        nonlocal failed
        if match.group(0) == "%%":
            return "%"
        value = next(values)
        sql_type = _sql_type(value)
        if sql_type is None:
            failed = True
            return ""
        args.append(value)
        return f"($1->>{len(args) - 1})::{sql_type}"

    text = _MARKER.sub(placeholder, query.text)
    return None if failed else text


def segment_rows(queries: list[str], args: list[Any], wanted: int, cursor: Sql | None) -> Sql:
    """Rows shaped as a segment's (``c.*, _seg, _r`` and the cursor, if any) from the later
    segments' queries."""
    rows = Sql(
        "(SELECT (s.found).*, s.seg AS _seg, s.pos AS _r FROM crm_segment_rows(%s::text[], %s::jsonb, %s) s) c",
        queries,
        args,
        wanted,
    )
    head = Sql("(SELECT c.*") + (Sql(", ") + cursor + Sql(" AS _cur") if cursor is not None else Sql(""))
    return head + Sql(" FROM ") + rows + Sql(")")
