"""Relay global ids: base64("Type:uuid"). Raw UUIDs are accepted where the type is known."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

import strawberry


@strawberry.interface(description="An object with a globally unique id (Relay).")
class Node:
    id: strawberry.ID


def to_global_id(type_name: str, pk: UUID) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{pk}".encode()).decode())


def from_global_id(value: str) -> tuple[str, UUID] | None:
    """(type name, uuid) of a well-formed global id, else None."""
    try:
        decoded = base64.b64decode(value.encode(), validate=True).decode()
        type_name, _, raw = decoded.partition(":")
        return type_name, UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def parse_id(value: str, type_name: str) -> UUID | None:
    """The uuid behind ``value`` when it names a ``type_name`` (or is a bare UUID), else None."""
    try:
        return UUID(value)
    except ValueError:
        pass
    parsed = from_global_id(value)
    if parsed is None or parsed[0] != type_name:
        return None
    return parsed[1]
