"""Documents and shortcuts shared by the custom field tests."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from models.db import fetchval
from models.sql import Sql

FIELD = "id key label type options required position archived version"

CREATE_FIELD = f"""
mutation($input: CreateCustomFieldInput!) {{
  createCustomField(input: $input) {{
    __typename
    ... on CustomFieldSuccess {{ field {{ {FIELD} }} }}
    ... on ValidationFailed {{ fields {{ field code message }} }}
  }}
}}
"""
UPDATE_FIELD = f"""
mutation($input: UpdateCustomFieldInput!) {{
  updateCustomField(input: $input) {{
    __typename
    ... on CustomFieldSuccess {{ field {{ {FIELD} }} }}
    ... on ValidationFailed {{ fields {{ field code message }} }}
    ... on VersionConflict {{ expectedVersion currentVersion }}
    ... on NotFound {{ message }}
  }}
}}
"""
DELETE_FIELD = """
mutation($input: DeleteCustomFieldInput!) {
  deleteCustomField(input: $input) {
    __typename
    ... on DeleteCustomFieldSuccess { deletedId clearedCustomers }
    ... on ConfirmationRequired { message affectedCustomers }
    ... on VersionConflict { currentVersion }
    ... on NotFound { message }
  }
}
"""
LIST_FIELDS = f"query($all: Boolean!) {{ customFields(includeArchived: $all) {{ {FIELD} }} }}"


def codes(result: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["field"], f["code"]) for f in result["fields"])


async def define(gql: Any, admin: Any, key: str, type_: str, **extra: Any) -> dict[str, Any]:
    """Create a field as ``admin``; answer it (the test fails if it was refused)."""
    data = await gql.data(
        CREATE_FIELD, {"input": {"key": key, "label": key.title(), "type": type_, **extra}}, as_=admin
    )
    result = data["createCustomField"]
    assert result["__typename"] == "CustomFieldSuccess", result
    return result["field"]


async def stored(pk: UUID) -> dict[str, Any]:
    """A customer's custom_fields column, as stored."""
    return await fetchval(Sql("SELECT custom_fields FROM customer WHERE id = %s", pk))


def as_json(values: dict[str, Any]) -> str:
    return json.dumps(values)
