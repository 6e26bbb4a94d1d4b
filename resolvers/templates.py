"""Message templates, and filling their {{placeholders}}."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from authz.access import Access
from authz.catalogue import P
from authz.rows import visible_rows
from models import Channel, MessageTemplate
from models.db import fetch, fetchrow, in_transaction
from models.sql import Sql
from resolvers.audit import Fields, api_values, enum_name, record_audit
from resolvers.audit import changed as audit_changes
from resolvers.errors import Errors, FieldErrorCode, NotFound, ValidationFailed

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")
BODY_MAX = 4_000
COLUMNS = "id, tenant_id, name, body, channel, archived, created_at"
# What the audit log records of a template, as the API names it.
AUDITED: Fields = {"name": "name", "body": "body", "channel": ("channel", enum_name(Channel)), "archived": "archived"}


class MissingValues(ValueError):
    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(", ".join(names))


def placeholders(body: str) -> list[str]:
    return sorted(set(PLACEHOLDER.findall(body)))


def render(body: str, values: dict[str, str]) -> str:
    """Fill every {{name}}; a placeholder without a value is an error, never left or blanked."""
    missing = [name for name in placeholders(body) if not values.get(name)]
    if missing:
        raise MissingValues(missing)
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], body)


def _clean(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors = Errors()
    out: dict[str, Any] = {}
    if creating or "name" in data:
        name = " ".join((data.get("name") or "").split())
        if not name:
            errors.add("name", FieldErrorCode.REQUIRED, "is required")
        elif len(name) > 120:
            errors.add("name", FieldErrorCode.TOO_LONG, "must be at most 120 characters")
        out["name"] = name
    if creating or "body" in data:
        body = (data.get("body") or "").strip()
        if not body:
            errors.add("body", FieldErrorCode.REQUIRED, "is required")
        elif len(body) > BODY_MAX:
            errors.add("body", FieldErrorCode.TOO_LONG, f"must be at most {BODY_MAX} characters")
        out["body"] = body
    if "channel" in data:
        out["channel"] = Channel(data["channel"]) if data["channel"] else None
    if "archived" in data:
        out["archived"] = bool(data["archived"])
    errors.raise_if_any()
    return out


async def list_templates(access: Access, *, include_archived: bool = False) -> list[dict[str, Any]]:
    access.require(P.TEMPLATE_READ)
    return await fetch(
        Sql(f"SELECT {COLUMNS} FROM message_template x WHERE ")
        + visible_rows(access, "MessageTemplate", "x")
        + Sql(("" if include_archived else " AND NOT x.archived") + " ORDER BY x.name")
    )


async def get_template(tenant_id: UUID, template_id: UUID) -> dict[str, Any] | None:
    return await fetchrow(
        Sql(f"SELECT {COLUMNS} FROM message_template WHERE tenant_id = %s AND id = %s", tenant_id, template_id)
    )


async def save_template(access: Access, template_id: UUID | None, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.TEMPLATE_MANAGE)
    tenant = access.principal.tenant_id
    values = _clean(data, creating=template_id is None)
    try:
        async with in_transaction():
            previous = None if template_id is None else await get_template(tenant, template_id)
            if template_id is None:
                created = await MessageTemplate.create(
                    tenant_id=tenant, created_by_id=access.principal.user_id, **values
                )
                template_id = created.id
            elif values:
                changed = await MessageTemplate.filter(id=template_id, tenant_id=tenant).update(**values)
                if not changed:
                    raise NotFound("MessageTemplate", str(template_id))
            row = await get_template(tenant, template_id)
            if row is None:
                raise NotFound("MessageTemplate", str(template_id))
            if previous is None:
                await record_audit(
                    access, "template.create", "MessageTemplate", template_id, after=api_values(row, AUDITED)
                )
            else:
                before, after = audit_changes(previous, row, AUDITED)
                if after:
                    verb = "archive" if after.keys() == {"archived"} and row["archived"] else "update"
                    await record_audit(
                        access, f"template.{verb}", "MessageTemplate", template_id, before=before, after=after
                    )
    except IntegrityError:
        raise ValidationFailed.one("name", FieldErrorCode.TAKEN, "another template has this name") from None
    return row
