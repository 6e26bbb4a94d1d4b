"""SQL fragments that carry their own parameters.

Fragments use ``%s`` for a parameter (``%%`` for a literal percent sign) and are numbered
``$1..$n`` only when the whole statement is rendered, so filters written in different modules
compose without counting placeholders by hand. Values are always parameters, never spliced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_MARKER = re.compile(r"%[s%]")


@dataclass(frozen=True, slots=True)
class Sql:
    text: str
    params: tuple[Any, ...] = ()

    def __init__(self, text: str, *params: Any) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "params", params)
        if text.count("%s") - text.count("%%s") != len(params):
            raise ValueError(f"{len(params)} parameters for {text!r}")

    @classmethod
    def _joined(cls, text: str, params: tuple[Any, ...]) -> Sql:
        """Fragments already checked, put together: no need to count their markers again (the
        compiled read path builds statements of many thousand characters from hundreds of them)."""
        made = object.__new__(cls)
        object.__setattr__(made, "text", text)
        object.__setattr__(made, "params", params)
        return made

    def __add__(self, other: Sql) -> Sql:
        return Sql._joined(self.text + other.text, self.params + other.params)

    def wrap(self, before: str, after: str) -> Sql:
        if "%" in before or "%" in after:
            return Sql(before + self.text + after, *self.params)
        return Sql._joined(before + self.text + after, self.params)

    def render(self) -> tuple[str, list[Any]]:
        return _numbered(self.text), list(self.params)


# Repeated reads run the same long statement text again and again: number its markers once.
@lru_cache(maxsize=256)
def _numbered(text: str) -> str:
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        if match.group(0) == "%%":
            return "%"
        counter += 1
        return f"${counter}"

    return _MARKER.sub(number, text)


TRUE = Sql("TRUE")
FALSE = Sql("FALSE")


def join(separator: str, parts: Iterable[Sql]) -> Sql:
    texts: list[str] = []
    params: list[Any] = []
    for part in parts:
        texts.append(part.text)
        params.extend(part.params)
    if "%" in separator:
        return Sql(separator.join(texts), *params)
    return Sql._joined(separator.join(texts), tuple(params))


def and_(*parts: Sql | None) -> Sql:
    kept = [p for p in parts if p is not None and p is not TRUE]
    if any(p is FALSE for p in kept):
        return FALSE
    if not kept:
        return TRUE
    return join(" AND ", (p.wrap("(", ")") for p in kept))


def or_(*parts: Sql | None) -> Sql:
    kept = [p for p in parts if p is not None and p is not FALSE]
    if any(p is TRUE for p in kept):
        return TRUE
    if not kept:
        return FALSE
    return join(" OR ", (p.wrap("(", ")") for p in kept))


def not_(part: Sql) -> Sql:
    """The rows ``part`` does not hold for, NULL included (``NOT`` would drop a NULL too)."""
    return part.wrap("(", ") IS NOT TRUE")
