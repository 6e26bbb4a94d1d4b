"""Saved customer lists: a name for a filter, a search and an order, personal or shared."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from authz.access import Access
from authz.catalogue import P
from authz.errors import Forbidden
from authz.rows import locate_for, visible_rows
from models.db import fetch, fetchrow, in_transaction
from models.saved_filters import SAVED_FILTER
from models.sql import Sql
from resolvers.audit import api_values, changed, record_audit
from resolvers.custom_values import option_key
from resolvers.customer_filters import compile_filter
from resolvers.customer_reads import Sort, SortField
from resolvers.errors import Errors, FieldErrorCode, ValidationFailed
from resolvers.history import to_json
from resolvers.locate import locate_or_refuse

NAME_MAX = 120
COLUMNS = SAVED_FILTER.select("f")


def sort_from(stored: dict[str, Any] | None) -> Sort | None:
    if not stored:
        return None
    return Sort(SortField(stored["field"]), bool(stored.get("descending")))


def applied(row: dict[str, Any]) -> dict[str, Any]:
    """How the saved list ``row`` lists customers: ``list_customers`` (or ``plan_list``) arguments
    beside ``first`` and ``after``. Leniently: what it names and was deleted since is left out;
    its cursors are its own."""
    return {
        "search": row["search"],
        "filter": row["conditions"],
        "sort": sort_from(row["sort"]),
        "lenient": True,
        "labels": row["labels"],
        "origin": ("savedFilter", row["id"]),
    }


def _clean(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors = Errors()
    out: dict[str, Any] = {}
    if creating or "name" in data:
        name = " ".join((data.get("name") or "").split())
        if not name:
            errors.add("name", FieldErrorCode.REQUIRED, "is required")
        elif len(name) > NAME_MAX:
            errors.add("name", FieldErrorCode.TOO_LONG, f"must be at most {NAME_MAX} characters")
        out["name"] = name
    if "search" in data:
        search = (data["search"] or "").strip() or None
        if search and len(search) > 200:
            errors.add("search", FieldErrorCode.TOO_LONG, "must be at most 200 characters")
        out["search"] = search
    if "sort" in data:
        sort = data["sort"]
        out["sort"] = {"field": sort["field"], "descending": sort["direction"] == "desc"} if sort else None
    if "filter" in data:
        out["conditions"] = data["filter"] or {}
    if "shared" in data:
        out["shared"] = bool(data["shared"])
    errors.raise_if_any()
    return out


async def _labels(access: Access, conditions: dict[str, Any]) -> dict[str, str]:
    """Names of the tags and teams a filter refers to, to report them by name if deleted."""
    tags = conditions.get("tags") or {}
    tag_ids = [pk for op in ("anyOf", "allOf", "noneOf") for pk in tags.get(op) or []]
    team_ids = conditions.get("teamIds") or []
    if not tag_ids and not team_ids:
        return {}
    rows = await fetch(
        Sql(
            "SELECT id, name FROM tag WHERE tenant_id = %s AND id = ANY(%s::uuid[]) "
            "UNION ALL SELECT id, name FROM team WHERE tenant_id = %s AND id = ANY(%s::uuid[])",
            access.principal.tenant_id,
            [UUID(t) for t in tag_ids],
            access.principal.tenant_id,
            [UUID(t) for t in team_ids],
        )
    )
    return {str(r["id"]): r["name"] for r in rows}


async def _check(access: Access, values: dict[str, Any]) -> None:
    """A filter is checked strictly when saved: it must work now."""
    if "conditions" in values:
        await compile_filter(access, values["conditions"])
        values["labels"] = to_json(await _labels(access, values["conditions"]))
        values["conditions"] = to_json(values["conditions"])
    if "sort" in values:
        values["sort"] = to_json(values["sort"]) if values["sort"] else None
    if values.get("shared") and not access.can(P.SAVED_FILTER_SHARE):
        raise Forbidden("Your role may not share lists with the whole company.")


def _owner(access: Access) -> UUID:
    if access.principal.user_id is None:
        raise Forbidden("Only a signed-in user saves lists.")
    return access.principal.user_id


async def save_filter(access: Access, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.SAVED_FILTER_WRITE)
    owner = _owner(access)
    values = _clean(data, creating=True)
    values.setdefault("conditions", {})
    await _check(access, values)
    values.update(tenant_id=access.principal.tenant_id, owner_id=owner)
    columns = list(values)
    try:
        async with in_transaction():
            row = await fetchrow(
                Sql(
                    f"INSERT INTO saved_filter AS f ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
                    f"RETURNING {COLUMNS}",
                    *values.values(),
                )
            )
            assert row is not None
            await _audit(access, "saved_filter.create", row["id"], None, row)
    except IntegrityError:
        raise ValidationFailed.one("name", FieldErrorCode.TAKEN, "you already have a list with this name") from None
    assert row is not None
    return row


async def get_filter(access: Access, filter_id: UUID) -> dict[str, Any] | None:
    return await locate_for(access, "SavedFilter", None, filter_id, lock=False, columns=COLUMNS, alias="f")


async def list_filters(access: Access) -> list[dict[str, Any]]:
    access.require(P.SAVED_FILTER_WRITE)
    return await fetch(
        Sql(f"SELECT {COLUMNS} FROM saved_filter f WHERE ")
        + visible_rows(access, "SavedFilter", "f")
        + Sql(" ORDER BY f.shared, lower(f.name), f.id")
    )


async def _for_change(access: Access, filter_id: UUID) -> dict[str, Any]:
    """Its owner changes a list; a shared one also those who may share lists (authz/rows.py)."""
    return await locate_or_refuse(access, "SavedFilter", P.SAVED_FILTER_WRITE, filter_id, columns=COLUMNS, alias="f")


async def update_filter(access: Access, filter_id: UUID, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.SAVED_FILTER_WRITE)
    values = _clean(data, creating=False)
    await _check(access, values)
    async with in_transaction():
        previous = await _for_change(access, filter_id)
        if not values:
            row = await get_filter(access, filter_id)
        else:
            assignments = ", ".join(f"{col} = %s" for col in values)
            try:
                row = await fetchrow(
                    Sql(
                        f"UPDATE saved_filter AS f SET {assignments}, updated_at = now() WHERE f.id = %s "
                        f"AND f.tenant_id = %s RETURNING {COLUMNS}",
                        *values.values(),
                        filter_id,
                        access.principal.tenant_id,
                    )
                )
            except IntegrityError:
                raise ValidationFailed.one(
                    "name", FieldErrorCode.TAKEN, "its owner already has a list with this name"
                ) from None
            assert row is not None
            await _audit(access, "saved_filter.update", filter_id, previous, row)
    assert row is not None
    return row


# What the audit log records of a saved list. Its conditions may name contact values (an email
# filter): withheld, as contact data, from readers who may not see them.
AUDITED = {"name": "name", "conditions": "conditions", "search": "search", "sort": "sort", "shared": "shared"}


async def _audit(
    access: Access, action: str, filter_id: UUID, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> None:
    if before is None or after is None:
        old, new = (
            (None, api_values(after, AUDITED)) if after is not None else (api_values(before or {}, AUDITED), None)
        )
    else:
        old, new = changed(before, after, AUDITED)
        if not new:
            return
    await record_audit(
        access, action, "SavedFilter", filter_id, before=old, after=new, contact=["conditions", "search"]
    )


async def delete_filter(access: Access, filter_id: UUID) -> None:
    access.require(P.SAVED_FILTER_WRITE)
    async with in_transaction():
        previous = await _for_change(access, filter_id)
        await fetch(
            Sql(
                "DELETE FROM saved_filter WHERE id = %s AND tenant_id = %s RETURNING id",
                filter_id,
                access.principal.tenant_id,
            )
        )
        await _audit(access, "saved_filter.delete", filter_id, previous, None)


OPTION_OPERATORS = ("equals", "oneOf", "contains")  # those that name options of a select field


def _renamed(value: Any, old: str, new: str) -> Any:
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    return new if isinstance(value, str) and option_key(value) == option_key(old) else value


async def rename_option_in_filters(tenant_id: UUID, field_key: str, old: str, new: str) -> int:
    """Saved filters naming option ``old`` of a select field now name ``new``; answer how many changed.

    Runs in the rename's transaction, so no list is ever applied with the option half renamed.
    """
    rows = await fetch(
        Sql(
            "SELECT id, conditions FROM saved_filter WHERE tenant_id = %s AND conditions -> 'customFields' @> %s::jsonb "
            "ORDER BY id FOR UPDATE",
            tenant_id,
            json.dumps([{"key": field_key}]),
        )
    )
    changed = 0
    for row in rows:
        conditions = row["conditions"]
        if isinstance(conditions, str):
            conditions = json.loads(conditions)
        rewritten = [
            {op: _renamed(v, old, new) if op in OPTION_OPERATORS else v for op, v in c.items()}
            if isinstance(c, dict) and c.get("key") == field_key
            else c
            for c in conditions.get("customFields") or []
        ]
        if rewritten == conditions["customFields"]:
            continue
        await fetch(
            Sql(
                "UPDATE saved_filter SET conditions = %s::jsonb, updated_at = now() WHERE id = %s AND tenant_id = %s "
                "RETURNING id",
                to_json({**conditions, "customFields": rewritten}),
                row["id"],
                tenant_id,
            )
        )
        changed += 1
    return changed
