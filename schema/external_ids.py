"""A customer's id in another system, as the API shows and takes it."""

from __future__ import annotations

from typing import Any

import strawberry


@strawberry.type(description="A customer's id in another system: unique in the company for its source.")
class ExternalId:
    source: str = strawberry.field(description="The system, in lower case (shopify, erp).")
    id: str = strawberry.field(description="The customer's id there.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ExternalId:
        return cls(source=row["source"], id=row["external_id"])


@strawberry.input(description="A customer's id in another system.")
class ExternalIdInput:
    source: str = strawberry.field(description="The system: 1-64 of a-z 0-9 . _ - (stored in lower case).")
    id: str = strawberry.field(description="The customer's id there (1-255 characters).")
