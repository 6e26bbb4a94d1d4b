"""SQL expressions that write a column's value as the general executor writes it in JSON."""

from __future__ import annotations

from enum import Enum

from models.descriptors import Column


def iso(expr: str) -> str:
    """A timestamptz as Python's isoformat() writes it (Strawberry's DateTime): UTC, microseconds
    only when there are some."""
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL "
        f"WHEN extract(microseconds FROM {expr})::bigint %% 1000000 = 0 "
        f"THEN to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"') "
        f"ELSE to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') END"
    )


def cursor_value(expr: str, cast: str) -> str:
    """A sort value as a cursor carries it: as asyncpg reads it and orjson writes it (infinite
    times become the naive extremes asyncpg answers for them)."""
    if cast == "timestamptz":
        return (
            f"CASE WHEN {expr} = 'infinity'::timestamptz THEN '9999-12-31T23:59:59.999999' "
            f"WHEN {expr} = '-infinity'::timestamptz THEN '0001-01-01T00:00:00' ELSE {iso(expr)} END"
        )
    if cast in ("uuid", "text"):
        return f"({expr})::text"
    if cast in ("boolean", "int"):
        return f"({expr})"
    raise ValueError(f"no cursor form for {cast}")


def global_id(type_name: str, expr: str) -> str:
    # "Type:uuid" is under 57 bytes, so PostgreSQL's base64 puts no line break in it.
    return f"encode(convert_to('{type_name}:' || {expr}::text, 'UTF8'), 'base64')"


def enum_name(expr: str, enum: type[Enum]) -> str:
    """A stored enum value as the API names it (the member's NAME)."""
    cases = " ".join(f"WHEN '{m.value}' THEN '{m.name}'" for m in enum)
    return f"(CASE {expr} {cases} END)"


def column_value(column: Column, alias: str, type_name: str) -> str:
    """The API value of ``column`` on the row ``alias`` of ``type_name``."""
    expr = f"{alias}.{column.sql}"
    if column.kind == "id":
        return global_id(type_name, expr)
    if column.kind == "datetime":
        return iso(expr)
    if column.kind == "enum":
        assert column.enum is not None
        return enum_name(expr, column.enum)
    if column.kind == "decimal":
        return f"({expr})::text"
    if column.kind == "date":
        return f"({expr})::text"
    if column.empty_is_null:
        return f"nullif({expr}, '')"
    return expr
