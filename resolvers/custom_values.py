"""Custom field values: one validator for every write path (create, update, onDuplicate, merge,
and imports later), and the canonical JSON form values are stored and compared in.

Canonical forms keep equal values byte-equal in ``customer.custom_fields``, so a filter can look
them up with jsonb containment (and its GIN index): numbers as JSON numbers, decimals as strings
without exponent or trailing zeros, dates as ``YYYY-MM-DD``, select options in the spelling of the
definition, multi-selects as lists sorted by code point, emails lower-cased, phones in E.164.
Cleaning a canonical value gives it back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from models import CustomFieldType
from resolvers.text import fold

SELECT_TYPES = frozenset({CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT})


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A custom field definition, as read from ``custom_field``."""

    id: UUID
    key: str
    label: str
    type: CustomFieldType
    options: tuple[str, ...]
    required: bool
    position: int
    archived: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FieldDef:
        return cls(
            id=row["id"],
            key=row["key"],
            label=row["label"],
            type=CustomFieldType(row["type"]),
            options=tuple(row["options"] or ()),
            required=row["required"],
            position=row["position"],
            archived=row["archived"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    def option(self, text: str) -> str | None:
        """The option ``text`` names (compared folded: case and accents aside), in its own spelling."""
        wanted = option_key(text)
        return next((o for o in self.options if option_key(o) == wanted), None)


def option_key(text: str) -> str:
    """Two options whose keys are equal are the same option ("Gold" and " gold ")."""
    return fold(text)
