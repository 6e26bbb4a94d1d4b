"""Report templates: a name for a definition, personal or shared with the company, under the
rules of authz/rows.py (read: own or shared; change: "own" one's own, "all" any one sees)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from authz.access import Access
from authz.catalogue import P
from authz.errors import Forbidden
from authz.rows import locate_for, visible_rows
from models.db import fetch, fetchrow, in_transaction
from models.reports import REPORT_TEMPLATE
from models.sql import Sql
from resolvers.audit import record_audit
from resolvers.errors import Errors, FieldErrorCode, NotFound, ValidationFailed
from resolvers.history import to_json
from resolvers.locate import locate_or_refuse
from resolvers.reports.service import checked, run
from resolvers.reports.table import Table

NAME_MAX = 120
COLUMNS = REPORT_TEMPLATE.select("t")


def _name(raw: Any, errors: Errors) -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        errors.add("name", FieldErrorCode.REQUIRED, "is required")
    elif len(name) > NAME_MAX:
        errors.add("name", FieldErrorCode.TOO_LONG, f"must be at most {NAME_MAX} characters")
    return name


def _owner(access: Access) -> UUID:
    if access.principal.user_id is None:
        raise Forbidden("Only a signed-in user saves report templates.")
    return access.principal.user_id


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "shared": row["shared"], "definition": row["definition"]}


async def save_template(access: Access, name: str, definition: dict[str, Any], shared: bool) -> dict[str, Any]:
    """A template is checked as a preview would be: it must run now."""
    access.require(P.REPORT_TEMPLATE_CREATE)
    owner = _owner(access)
    errors = Errors()
    name = _name(name, errors)
    errors.raise_if_any()
    await checked(access, definition)
    if shared and not access.can(P.REPORT_TEMPLATE_SHARE):
        raise Forbidden(P.REPORT_TEMPLATE_SHARE.refusal())
    try:
        async with in_transaction():
            row = await fetchrow(
                Sql(
                    "INSERT INTO report_template AS t (tenant_id, owner_id, name, shared, definition) "
                    f"VALUES (%s, %s, %s, %s, %s::jsonb) RETURNING {COLUMNS}",
                    access.principal.tenant_id,
                    owner,
                    name,
                    shared,
                    to_json(definition),
                )
            )
            assert row is not None
            await record_audit(access, "report_template.create", "ReportTemplate", row["id"], after=_audited(row))
    except IntegrityError:
        raise ValidationFailed.one("name", FieldErrorCode.TAKEN, "you already have a template with this name") from None
    return row


async def get_template(access: Access, template_id: UUID) -> dict[str, Any] | None:
    return await locate_for(access, "ReportTemplate", None, template_id, lock=False, columns=COLUMNS, alias="t")


async def list_templates(access: Access) -> list[dict[str, Any]]:
    access.require(P.REPORT_READ)
    return await fetch(
        Sql(f"SELECT {COLUMNS} FROM report_template t WHERE ")
        + visible_rows(access, "ReportTemplate", "t")
        + Sql(" ORDER BY t.shared, lower(t.name), t.id")
    )


async def rename_template(access: Access, template_id: UUID, name: str) -> dict[str, Any]:
    access.require(P.REPORT_TEMPLATE_UPDATE)
    errors = Errors()
    name = _name(name, errors)
    errors.raise_if_any()
    try:
        async with in_transaction():
            before = await locate_or_refuse(
                access, "ReportTemplate", P.REPORT_TEMPLATE_UPDATE, template_id, columns=COLUMNS, alias="t"
            )
            row = await fetchrow(
                Sql(
                    "UPDATE report_template AS t SET name = %s, updated_at = now() WHERE t.id = %s AND t.tenant_id = %s "
                    f"RETURNING {COLUMNS}",
                    name,
                    template_id,
                    access.principal.tenant_id,
                )
            )
            assert row is not None
            await record_audit(
                access,
                "report_template.rename",
                "ReportTemplate",
                template_id,
                before={"name": before["name"]},
                after={"name": row["name"]},
            )
    except IntegrityError:
        raise ValidationFailed.one(
            "name", FieldErrorCode.TAKEN, "its owner already has a template with this name"
        ) from None
    return row


async def delete_template(access: Access, template_id: UUID) -> None:
    access.require(P.REPORT_TEMPLATE_DELETE)
    async with in_transaction():
        before = await locate_or_refuse(
            access, "ReportTemplate", P.REPORT_TEMPLATE_DELETE, template_id, columns=COLUMNS, alias="t"
        )
        await fetch(
            Sql(
                "DELETE FROM report_template WHERE id = %s AND tenant_id = %s RETURNING id",
                template_id,
                access.principal.tenant_id,
            )
        )
        await record_audit(access, "report_template.delete", "ReportTemplate", template_id, before=_audited(before))


async def run_template(access: Access, template_id: UUID, document: str | None = None) -> Table:
    """A saved template's report, run now for this caller (within what they may see now)."""
    access.require(P.REPORT_READ)
    row = await get_template(access, template_id)
    if row is None:
        raise NotFound("ReportTemplate", str(template_id))
    return await run(access, row["definition"], document)
