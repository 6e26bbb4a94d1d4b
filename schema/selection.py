"""What a query selects below a field, through fragments: lets a list prefetch nested data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField


def _fields(selections: Iterable[Any]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def selected_below(root: SelectedField, *paths: tuple[str, ...]) -> set[str]:
    """Names of the fields selected at the end of any of ``paths`` under ``root``.

    ``selected_below(customers, ("nodes",), ("edges", "node"))`` is what a query asks of each
    customer of a connection, whichever of the two shapes it uses.
    """
    found: set[str] = set()
    for path in paths:
        level = [root]
        for name in path:
            level = [f for node in level for f in _fields(node.selections) if f.name == name]
        found.update(f.name for node in level for f in _fields(node.selections))
    return found
