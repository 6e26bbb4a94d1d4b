"""Renaming a select option, cascading to every customer that holds it and every saved filter
that names it.

One transaction: the definition is locked at the version the caller read, its option list
changes, one statement rewrites every customer holding the option (jsonb containment finds
them through the GIN index) and appends their history entries, and the saved filters whose
conditions name the option are rewritten to name the new one.

Customers keep their ``version``: the rename relabels the choice they already had, so a client
holding an older copy loses nothing by saving it (sending the old option name is refused as an
unknown option), and forcing every open form of the company into a version conflict would be
noise. ``updated_at`` moves, so incremental syncs pick the new spelling up.
"""

from __future__ import annotations

import json
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from models import CustomFieldType
from models.db import fetchrow, fetchval, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import history, outbox
from resolvers.audit import record_audit
from resolvers.custom_fields import COLUMNS, OPTION_MAX, holds_option, lock_definition
from resolvers.custom_values import SELECT_TYPES, FieldDef
from resolvers.errors import FieldErrorCode, ValidationFailed
from resolvers.history import EventKind
from resolvers.saved_filters import rename_option_in_filters


def _new_value(field: FieldDef, old: str, new: str) -> Sql:
    """The field's value after the rename, for the customer row ``c``."""
    if field.type is CustomFieldType.MULTI_SELECT:
        # Stored lists stay sorted by code point, as the validator sorts them (COLLATE "C").
        return Sql(
            '(SELECT jsonb_agg(o ORDER BY o COLLATE "C") FROM (SELECT CASE WHEN e = %s THEN %s ELSE e END AS o '
            "FROM jsonb_array_elements_text(c.custom_fields -> %s) e) x)",
            old,
            new,
            field.key,
        )
    return Sql("to_jsonb(%s::text)", new)


async def _cascade(access: Access, field: FieldDef, old: str, new: str) -> int:
    """Rewrite every customer of the tenant holding ``old``; answer how many live ones changed.

    Merged-away customers are rewritten too (undoing a merge must not bring back a stale option)
    but not counted: they are no longer customers anyone sees.
    """
    await outbox.wake(access)  # for the events below (the caller's transaction holds both)
    return await fetchval(
        Sql(
            "WITH changed AS (UPDATE customer c SET custom_fields = jsonb_set(c.custom_fields, %s::text[], ",
            [field.key],
        )
        + _new_value(field, old, new)
        + Sql("), updated_at = now() WHERE c.tenant_id = %s AND ", access.principal.tenant_id)
        + holds_option(field, old)
        + Sql(" RETURNING c.id AS customer_id, c.merged_into_id), logged AS (")
        + history.insert_events(
            access,
            EventKind.CUSTOM_OPTION_RENAMED,
            "changed",
            Sql("%s::jsonb", history.to_json({"field": field.key, "from": old, "to": new})),
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


async def rename_option(
    access: Access, field_id: UUID, old: str, new: str, expected_version: int
) -> tuple[FieldDef, int]:
    """Rename option ``old`` of a select or multi-select field to ``new``, on the definition and
    on every customer holding it; answer the field and how many customers changed."""
    access.require(P.CUSTOM_FIELD_MANAGE)
    target = " ".join(new.split())
    if not target:
        raise ValidationFailed.one("to", FieldErrorCode.REQUIRED, "an option cannot be empty")
    if len(target) > OPTION_MAX:
        raise ValidationFailed.one("to", FieldErrorCode.TOO_LONG, f"must be at most {OPTION_MAX} characters")
    async with in_transaction():
        field = await lock_definition(access, field_id, expected_version)
        if field.type not in SELECT_TYPES:
            raise ValidationFailed.one("fieldId", FieldErrorCode.NOT_ALLOWED, "only select fields have options")
        source = field.option(old)
        if source is None:
            raise ValidationFailed.one(
                "from",
                FieldErrorCode.UNKNOWN_OPTION,
                f"'{old}' is not an option of this field (any more); its options are: {', '.join(field.options)}",
            )
        clash = field.option(target)
        if clash is not None and clash != source:
            raise ValidationFailed.one("to", FieldErrorCode.TAKEN, f"'{clash}' is already an option of this field")
        if target == source:
            return field, 0
        row = await fetchrow(
            Sql(
                "UPDATE custom_field SET options = %s::jsonb, version = version + 1, updated_at = now() "
                f"WHERE id = %s RETURNING {COLUMNS}",
                json.dumps([target if o == source else o for o in field.options]),
                field.id,
            )
        )
        assert row is not None
        updated = await _cascade(access, field, source, target)
        await rename_option_in_filters(access.principal.tenant_id, field.key, source, target)
        await record_audit(
            access,
            "custom_field.rename_option",
            "CustomField",
            field.id,
            before={"option": source},
            after={"option": target},
            details={"key": field.key, "customersChanged": updated},
        )
    return FieldDef.from_row(row), updated
