"""Scalars whose decoding is stricter than Strawberry's own."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from strawberry.schema.types.base_scalars import DateTimeDefinition, wrap_parser
from strawberry.types.scalar import ScalarDefinition

_parse = DateTimeDefinition.parse_value  # Strawberry's own parsing and messages come first


def parse_instant(value: str) -> dt.datetime:
    """An ISO 8601 date-time whose instant exists in UTC.

    Strawberry's parser accepts "0001-01-01T00:00:00+14:00", whose UTC instant falls in year 0:
    Python cannot represent it and the database driver failed on it with a 500.
    """
    assert _parse is not None
    parsed = _parse(value)
    assert isinstance(parsed, dt.datetime)
    if parsed.tzinfo is not None:
        try:
            parsed.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("its UTC time falls outside the years 1 to 9999") from None
    return parsed


DateTime = dataclasses.replace(DateTimeDefinition, parse_value=wrap_parser(parse_instant, "DateTime"))
SCALAR_OVERRIDES: Mapping[object, ScalarDefinition] = {dt.datetime: DateTime}
