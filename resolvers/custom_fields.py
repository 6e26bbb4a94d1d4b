"""Custom field definitions: the fields an admin adds to the company's customers.

Values live in ``customer.custom_fields`` under the field's key (see resolvers/custom_values.py).
The key and the type are fixed once created, so stored values always match their definition;
labels, options, the required flag, the display order and archiving can change. Every change
bumps the definition's version and checks the one the caller read.
"""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.rows import locate_for
from models import CustomFieldType
from models.db import execute, fetch, fetchrow, fetchval, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import history, outbox
from resolvers.audit import record_audit
from resolvers.custom_values import SELECT_TYPES, FieldDef, option_key
from resolvers.errors import DomainError, Errors, FieldErrorCode, NotFound, ValidationFailed, VersionConflict
from resolvers.history import EventKind

COLUMNS = "id, key, label, type, options, required, position, archived, version, created_at, updated_at"
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,62}")
LABEL_MAX = 200
OPTION_MAX = 100
MAX_OPTIONS = 500


class ConfirmationRequired(DomainError):
    """Deleting the field would remove values from customers; nothing was changed."""

    def __init__(self, customers: int) -> None:
        self.customers = customers
        super().__init__(
            f"{customers} customer(s) hold a value in this field and would lose it. "
            "Send confirm: true to delete the field and those values, or archive the field to hide it."
        )


async def load_definitions(tenant_id: UUID, *, lock: bool = False) -> list[FieldDef]:
    """Every definition of the tenant, archived ones too, in display order.

    Writes of customer values lock them FOR SHARE before they lock any customer, the same order
    renames and deletes take (definition, then customers), so a value is never validated against
    options that a concurrent rename is replacing.
    """
    rows = await fetch(
        Sql(
            f"SELECT {COLUMNS} FROM custom_field WHERE tenant_id = %s ORDER BY position, key"
            + (" FOR SHARE" if lock else ""),
            tenant_id,
        )
    )
    return [FieldDef.from_row(r) for r in rows]


async def list_definitions(access: Access, *, include_archived: bool = False) -> list[FieldDef]:
    access.require(P.CUSTOM_FIELD_READ)
    found = await load_definitions(access.principal.tenant_id)
    return [d for d in found if include_archived or not d.archived]


async def get_definition(access: Access, field_id: UUID) -> FieldDef | None:
    row = await locate_for(access, "CustomField", None, field_id, lock=False, columns=COLUMNS)
    return FieldDef.from_row(row) if row else None


def _label(value: Any, errors: Errors) -> str | None:
    text = " ".join(str(value or "").split())
    if not text:
        errors.add("label", FieldErrorCode.REQUIRED, "is required")
    elif len(text) > LABEL_MAX:
        errors.add("label", FieldErrorCode.TOO_LONG, f"must be at most {LABEL_MAX} characters")
    return text


def clean_options(kind: CustomFieldType, options: list[str] | None, errors: Errors) -> list[str]:
    """Options for the select types (at least one, none twice); no options for the other types."""
    if kind not in SELECT_TYPES:
        if options:
            errors.add("options", FieldErrorCode.NOT_ALLOWED, "only select and multi-select fields have options")
        return []
    cleaned: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(options or []):
        text = " ".join(str(raw).split())
        if not text:
            errors.add(f"options[{i}]", FieldErrorCode.REQUIRED, "an option cannot be empty")
        elif len(text) > OPTION_MAX:
            errors.add(f"options[{i}]", FieldErrorCode.TOO_LONG, f"must be at most {OPTION_MAX} characters")
        elif option_key(text) in seen:
            errors.add(f"options[{i}]", FieldErrorCode.DUPLICATE, f"repeats option {seen[option_key(text)]}")
        else:
            seen[option_key(text)] = i
            cleaned.append(text)
    if not options:
        errors.add("options", FieldErrorCode.REQUIRED, "a select field needs at least one option")
    elif len(options) > MAX_OPTIONS:
        errors.add("options", FieldErrorCode.TOO_MANY, f"at most {MAX_OPTIONS} options")
    return cleaned


def _position(value: Any, errors: Errors) -> int:
    if value is None or not 0 <= value <= 1_000_000:
        errors.add("position", FieldErrorCode.INVALID, "must be between 0 and 1000000")
        return 0
    return int(value)


async def create_definition(access: Access, data: dict[str, Any]) -> FieldDef:
    access.require(P.CUSTOM_FIELD_MANAGE)
    errors = Errors()
    key = str(data.get("key") or "")
    if not KEY_PATTERN.fullmatch(key):
        errors.add(
            "key", FieldErrorCode.INVALID, "must start with a lower-case letter, then up to 62 of a-z, 0-9 and _"
        )
    label = _label(data.get("label"), errors)
    kind = CustomFieldType(data["type"])
    options = clean_options(kind, data.get("options"), errors)
    position = _position(data["position"], errors) if "position" in data else None
    required = bool(data.get("required") or False)
    errors.raise_if_any()
    tenant = access.principal.tenant_id
    async with in_transaction():
        created = await _insert(tenant, key, label, kind, options, required, position)
        await record_audit(access, "custom_field.create", "CustomField", created.id, after=audited(created))
    return created


def audited(field: FieldDef) -> dict[str, Any]:
    """A definition as the audit log records it, as the API names it."""
    return {
        "key": field.key,
        "label": field.label,
        "type": field.type.name,
        "options": list(field.options),
        "required": field.required,
        "position": field.position,
        "archived": field.archived,
    }


async def _insert(
    tenant: UUID,
    key: str,
    label: str | None,
    kind: CustomFieldType,
    options: list[str],
    required: bool,
    position: int | None,
) -> FieldDef:
    row = await fetchrow(
        Sql(
            "INSERT INTO custom_field (tenant_id, key, label, type, options, required, position) "
            "VALUES (%s, %s, %s, %s, %s::jsonb, %s, coalesce(%s::int, "
            "(SELECT coalesce(max(position) + 1, 0) FROM custom_field WHERE tenant_id = %s))) "
            f"ON CONFLICT (tenant_id, key) DO NOTHING RETURNING {COLUMNS}",
            tenant,
            key,
            label,
            kind.value,
            json.dumps(options),
            required,
            position,
            tenant,
        )
    )
    if row is None:
        raise ValidationFailed.one("key", FieldErrorCode.TAKEN, "another custom field has this key")
    return FieldDef.from_row(row)


async def lock_definition(access: Access, field_id: UUID, expected_version: int | None) -> FieldDef:
    """The definition, locked for a change, at the version the caller read."""
    row = await fetchrow(
        Sql(
            f"SELECT {COLUMNS} FROM custom_field WHERE id = %s AND tenant_id = %s FOR UPDATE",
            field_id,
            access.principal.tenant_id,
        )
    )
    if row is None:
        raise NotFound("CustomField", str(field_id))
    if expected_version is not None and row["version"] != expected_version:
        raise VersionConflict(expected_version, row["version"])
    return FieldDef.from_row(row)


def holds_option(field: FieldDef, option: str) -> Sql:
    """Customers (as ``c``) holding ``option`` in ``field``; jsonb containment, so the GIN index applies."""
    value: Any = [option] if field.type is CustomFieldType.MULTI_SELECT else option
    return Sql("c.custom_fields @> %s::jsonb", json.dumps({field.key: value}))


async def _options_in_use(access: Access, field: FieldDef, removed: list[str]) -> dict[str, int]:
    """How many customers hold each of ``removed`` (merged-away ones too: undo would bring them back)."""
    if not removed:
        return {}
    wrap = "jsonb_build_array(o)" if field.type is CustomFieldType.MULTI_SELECT else "to_jsonb(o)"
    rows = await fetch(
        Sql(
            "SELECT o AS option, (SELECT count(*) FROM customer c WHERE c.tenant_id = %s "
            f"AND c.custom_fields @> jsonb_build_object(%s::text, {wrap})) AS held FROM unnest(%s::text[]) o",
            access.principal.tenant_id,
            field.key,
            removed,
        )
    )
    return {r["option"]: r["held"] for r in rows if r["held"]}


async def update_definition(access: Access, field_id: UUID, expected_version: int, data: dict[str, Any]) -> FieldDef:
    access.require(P.CUSTOM_FIELD_MANAGE)
    async with in_transaction():
        field = await lock_definition(access, field_id, expected_version)
        errors = Errors()
        changes: dict[str, Any] = {}
        if "label" in data:
            changes["label"] = _label(data["label"], errors)
        if "options" in data:
            options = clean_options(field.type, data["options"], errors)
            # Dropping an option customers hold would leave them with a value that is no option.
            removed = [o for o in field.options if o not in options]
            for option, held in (await _options_in_use(access, field, removed)).items():
                errors.add(
                    "options",
                    FieldErrorCode.IN_USE,
                    f"{held} customer(s) hold '{option}'; rename it with renameFieldOption instead",
                )
            changes["options"] = json.dumps(options)
        if "position" in data:
            changes["position"] = _position(data["position"], errors)
        for flag in ("required", "archived"):
            if flag in data:
                if data[flag] is None:
                    errors.add(flag, FieldErrorCode.REQUIRED, "cannot be null")
                else:
                    changes[flag] = bool(data[flag])
        errors.raise_if_any()
        assignments = "".join(f"{col} = %s, " for col in changes)
        row = await fetchrow(
            Sql(
                f"UPDATE custom_field SET {assignments}version = version + 1, updated_at = now() "
                f"WHERE id = %s RETURNING {COLUMNS}",
                *changes.values(),
                field.id,
            )
        )
        assert row is not None
        updated = FieldDef.from_row(row)
        old, new = audited(field), audited(updated)
        keys = [k for k in new if old[k] != new[k]]
        if keys:
            await record_audit(
                access,
                "custom_field.update",
                "CustomField",
                field.id,
                before={k: old[k] for k in keys},
                after={k: new[k] for k in keys},
                details={"key": field.key},
            )
    return updated


async def delete_definition(
    access: Access, field_id: UUID, *, confirm: bool, expected_version: int | None = None
) -> int:
    """Delete the field and, in one statement, its value from every customer; answer how many
    customers lost a value. Values are removed only with ``confirm``."""
    access.require(P.CUSTOM_FIELD_MANAGE)
    tenant = access.principal.tenant_id
    async with in_transaction():
        field = await lock_definition(access, field_id, expected_version)
        if not confirm:
            holders = await fetchval(
                Sql(
                    "SELECT count(*) FROM customer c WHERE c.tenant_id = %s AND c.merged_into_id IS NULL "
                    "AND c.custom_fields ? %s",
                    tenant,
                    field.key,
                )
            )
            if holders:
                raise ConfirmationRequired(holders)
        # Merged-away customers lose the value too, so undoing a merge cannot bring it back;
        # only live customers are counted. `o` is the row before the update: the removed value.
        lost = await fetchval(
            Sql(
                "WITH changed AS (UPDATE customer c SET custom_fields = c.custom_fields - %s, updated_at = now() "
                "FROM customer o WHERE o.id = c.id AND c.tenant_id = %s AND c.custom_fields ? %s "
                "RETURNING c.id AS customer_id, c.merged_into_id, o.custom_fields -> %s AS removed), "
                "logged AS (",
                field.key,
                tenant,
                field.key,
                field.key,
            )
            + history.insert_events(
                access,
                EventKind.CUSTOM_FIELD_DELETED,
                "changed",
                # The type goes with the value: the field is gone, and history must still mask it.
                Sql(
                    "jsonb_build_object('field', %s::text, 'removed', s.removed, %s::text, %s::text)",
                    field.key,
                    history.FIELD_TYPE,
                    field.type.value,
                ),
            )
            + Sql("), announced AS (")
            + outbox.outbox_insert(
                access,
                WebhookEventType.CUSTOMER_UPDATED,
                "Customer",
                "(SELECT customer_id FROM changed WHERE merged_into_id IS NULL)",
                object_column="customer_id",
            )
            + Sql(") SELECT count(*) FILTER (WHERE merged_into_id IS NULL) FROM changed")
        )
        if lost:
            await outbox.wake(access)
        await execute(Sql("DELETE FROM custom_field WHERE id = %s AND tenant_id = %s", field.id, tenant))
        await record_audit(
            access,
            "custom_field.delete",
            "CustomField",
            field.id,
            before=audited(field),
            details={"customersWithValue": int(lost or 0)},
        )
    return int(lost or 0)
