"""A row's plain fields for its Strawberry type, read off the entity's descriptor.

The type annotations stay on the Strawberry classes (they are the schema); which column feeds
which attribute, how an id becomes a global id, an enum value its member, an empty string null,
and which values are contact data, come from the descriptor. Only attributes the type sets at
construction are filled (fields with a resolver, such as a conversation's ``handle``, read the
row themselves); everything else ``from_row`` passes by hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from strawberry.utils.str_converters import to_camel_case

from models.descriptors import Column, Entity
from schema.node import to_global_id

Convert = Callable[[Any], Any]


def _converter(entity: Entity, column: Column) -> Convert:
    if column.kind == "id":
        name = entity.name
        return lambda value: to_global_id(name, value)
    if column.enum is not None:
        enum = column.enum
        return lambda value: None if value is None else enum(value)
    if column.empty_is_null:
        return lambda value: value or None
    return lambda value: value


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    # (attribute, column, convert, contact) for top-level fields; per group, its type and fields.
    fields: tuple[tuple[str, str, Convert, bool], ...]
    groups: tuple[tuple[str, type, tuple[tuple[str, str, Convert, bool], ...]], ...]


def _settable(cls: type) -> dict[str, str]:
    """API name -> attribute, for the attributes ``cls`` takes at construction."""
    return {to_camel_case(f.name): f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}


def _fields(entity: Entity, cls: type, columns: Mapping[str, Column]) -> tuple[tuple[str, str, Convert, bool], ...]:
    settable = _settable(cls)
    return tuple(
        (settable[api], column.sql, _converter(entity, column), column.contact)
        for api, column in columns.items()
        if api in settable
    )


_PLANS: dict[tuple[str, type, tuple[tuple[str, type], ...]], _Plan] = {}


def _plan(entity: Entity, cls: type, groups: tuple[tuple[str, type], ...]) -> _Plan:
    key = (entity.name, cls, groups)
    if key in _PLANS:
        return _PLANS[key]
    group_plans = tuple(
        (_settable(cls)[group], group_cls, _fields(entity, group_cls, entity.group_columns(group)))
        for group, group_cls in groups
    )
    _PLANS[key] = plan = _Plan(_fields(entity, cls, entity.by_api), group_plans)
    return plan


def row_values(
    entity: Entity, cls: type, row: Mapping[str, Any], *, hidden: bool = False, groups: Mapping[str, type] | None = None
) -> dict[str, Any]:
    """Keyword arguments of ``cls`` for ``row``: its described columns, contact data None when
    ``hidden``; ``groups`` names the Strawberry type of each nested object (``address``)."""
    plan = _plan(entity, cls, tuple((groups or {}).items()))
    out = {attr: None if hidden and contact else convert(row[sql]) for attr, sql, convert, contact in plan.fields}
    for attr, group_cls, fields in plan.groups:
        out[attr] = group_cls(
            **{a: None if hidden and contact else convert(row[sql]) for a, sql, convert, contact in fields}
        )
    return out
