"""A tenant's settings."""

from __future__ import annotations

import json
from typing import Any

import phonenumbers

from authz.access import Access
from authz.catalogue import P
from models.db import fetchrow, in_transaction
from models.sql import Sql
from models.tenants import TENANT
from resolvers.audit import changed, record_audit
from resolvers.customer_fields import ALWAYS_REQUIRED, STANDARD_FIELDS
from resolvers.errors import Errors, FieldErrorCode
from resolvers.inactivation import blocker_setting

# The settings a company changes (API name -> column), from the descriptor's ``settings`` group.
SETTINGS = {api: column.sql for api, column in TENANT.group_columns("settings").items()}
COLUMNS = ", ".join(TENANT.column_names)


async def get_tenant(access: Access) -> dict[str, Any]:
    row = await fetchrow(Sql(f"SELECT {COLUMNS} FROM tenant WHERE id = %s", access.principal.tenant_id))
    assert row is not None
    return row


def _required_fields(names: list[str], errors: Errors) -> str:
    """The standard fields to require, in their canonical order; name is always among them."""
    for i, name in enumerate(names):
        if name not in STANDARD_FIELDS:
            errors.add(
                f"requiredFields[{i}]", FieldErrorCode.UNKNOWN, f"'{name}' is not one of {', '.join(STANDARD_FIELDS)}"
            )
    wanted = {ALWAYS_REQUIRED, *names}
    return json.dumps([f for f in STANDARD_FIELDS if f in wanted])


async def update_settings(access: Access, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.TENANT_UPDATE)
    errors = Errors()
    changes: dict[str, Any] = {}
    for api_name, column in SETTINGS.items():
        if api_name not in data:
            continue
        value = data[api_name]
        if value is None:
            errors.add(api_name, FieldErrorCode.REQUIRED, "cannot be null")
            continue
        if api_name == "defaultRegion":
            value = str(value).upper()
            if value not in phonenumbers.SUPPORTED_REGIONS:
                errors.add(api_name, FieldErrorCode.INVALID, "is not a region phone numbers know (e.g. BR, PT, US)")
                continue
        if api_name == "requiredFields":
            value = _required_fields(value, errors)
        if api_name == "inactivationBlockers":
            value = json.dumps(blocker_setting(value))
        changes[column] = value
    errors.raise_if_any()
    if not changes:
        return await get_tenant(access)
    assignments = ", ".join(f"{col} = %s" for col in changes)
    async with in_transaction():
        previous = await get_tenant(access)
        row = await fetchrow(
            Sql(
                f"UPDATE tenant SET {assignments} WHERE id = %s RETURNING {COLUMNS}",
                *changes.values(),
                access.principal.tenant_id,
            )
        )
        assert row is not None
        before, after = changed(previous, row, {column: api for api, column in SETTINGS.items()})
        if after:
            await record_audit(access, "tenant.update", "Tenant", row["id"], before=before, after=after)
    return row
