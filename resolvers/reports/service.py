"""Previewing and running reports: check the definition, read its source, one statement."""

from __future__ import annotations

from typing import Any

from authz.access import Access
from authz.catalogue import P
from authz.masking import contact_hidden
from authz.rows import rows_under
from models.db import fetch
from models.sql import TRUE, Sql
from resolvers.custom_fields import load_definitions
from resolvers.custom_values import by_key
from resolvers.errors import FieldErrorCode, ValidationFailed
from resolvers.reports.definition import Report, SourceKind, check
from resolvers.reports.dimensions import customer_part, json_part, measure
from resolvers.reports.query import Source, report_statement
from resolvers.reports.source import customer_condition
from resolvers.reports.table import Table, layout


def _names_custom_fields(definition: dict[str, Any]) -> bool:
    dims = [*(definition.get("groupBy") or []), definition.get("subdivideBy")]
    named = any(isinstance(d, dict) and str(d.get("kind") or "").lower() == "custom_field" for d in dims)
    total = definition.get("total") or {}
    return named or str(total.get("measure") or "").lower() == "custom_field"


async def checked(access: Access, definition: dict[str, Any]) -> Report:
    """The definition checked for this caller (ValidationFailed lists every fault)."""
    access.require(P.REPORT_READ)
    fields = by_key(await load_definitions(access.principal.tenant_id)) if _names_custom_fields(definition) else {}
    return check(definition, fields, contact_hidden(access))


async def _source(access: Access, report: Report, document: str | None) -> Source:
    if report.source["kind"] == SourceKind.JSON.value:
        if document is None:
            raise ValidationFailed.one("source.json", FieldErrorCode.REQUIRED, "give the exported file")
        parts = [json_part(d, i) for i, d in enumerate(report.dimensions)]
        return Source(
            Sql("jsonb_array_elements(%s::jsonb) r(doc)", document),
            TRUE,
            parts,
            measure(report.total, "(r.doc -> 'customFields')", None),
        )
    where = await customer_condition(access, report.source)
    purchases = rows_under(access, "Purchase", "p", "Customer", "c", "customer_id")
    parts = [customer_part(d, i) for i, d in enumerate(report.dimensions)]
    return Source(Sql("customer c"), where, parts, measure(report.total, "c.custom_fields", purchases))


async def run(access: Access, definition: dict[str, Any], document: str | None = None) -> Table:
    """The report's table, computed by PostgreSQL within what the caller may see."""
    report = await checked(access, definition)
    source = await _source(access, report, document)
    found = await fetch(report_statement(report, source, access.principal.tenant_id))
    return layout(report, found)
