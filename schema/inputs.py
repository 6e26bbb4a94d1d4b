"""Turning Strawberry inputs into the plain dicts resolvers take."""

from __future__ import annotations

from enum import Enum
from typing import Any

from strawberry import UNSET
from strawberry.types.base import has_object_definition


def _plain(value: Any) -> Any:
    if has_object_definition(value):
        return provided(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def provided(obj: Any) -> dict[str, Any]:
    """The fields the client actually sent, keyed by their GraphQL names.

    A field left out is absent from the dict; a field sent as null maps to None, so that an
    update can tell "leave alone" from "clear".
    """
    definition = obj.__strawberry_definition__
    out: dict[str, Any] = {}
    for field in definition.fields:
        value = getattr(obj, field.python_name)
        if value is UNSET:
            continue
        out[field.graphql_name or _camel(field.python_name)] = _plain(value)
    return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
