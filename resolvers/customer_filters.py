"""The ``filter`` of a customer list, compiled to one SQL condition on the row ``c``.

Every condition given must hold. Conditions name tags and teams by id: a direct filter naming
one that does not exist is refused; a saved filter applied later (``lenient``) leaves such a
condition out and says so in ``ignored``, so it keeps working after a tag, field or option is
deleted, and for callers a condition is not for (a contact field hidden from a seller).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.masking import contact_hidden
from models.customers import CUSTOMER
from models.db import fetch
from models.sql import Sql, and_
from resolvers.custom_field_filters import custom_field_conditions
from resolvers.custom_fields import load_definitions
from resolvers.custom_values import by_key
from resolvers.errors import Errors, FieldErrorCode, ValidationFailed

MAX_IDS = 100


class StatusFilter(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ANY = "any"


# Filters on one column each, from the descriptor (``Column.filter``): a time range, or any of some values.
COLUMN_FILTERS = CUSTOMER.filters


@dataclass
class CompiledFilter:
    condition: Sql | None
    ignored: list[str] = field(default_factory=list)


def _ids(values: Any, path: str, errors: Errors) -> list[UUID]:
    out: list[UUID] = []
    for i, value in enumerate(values or []):
        try:
            out.append(value if isinstance(value, UUID) else UUID(str(value)))
        except ValueError:
            errors.add(f"{path}[{i}]", FieldErrorCode.INVALID, "is not an id")
    if len(out) > MAX_IDS:
        errors.add(path, FieldErrorCode.TOO_MANY, f"at most {MAX_IDS} ids")
    return list(dict.fromkeys(out))


@dataclass
class ReadAhead:
    """What several filters planned together name, read once (``read_ahead``): per table the ids
    asked and those found, and the custom field definitions."""

    asked: dict[str, set[UUID]] = field(default_factory=dict)
    found: dict[str, set[UUID]] = field(default_factory=dict)
    definitions: list[Any] | None = None


_ahead: ContextVar[ReadAhead | None] = ContextVar("filters_read_ahead", default=None)


def _named(filters: list[dict[str, Any]]) -> dict[str, set[UUID]]:
    """The tag and team ids ``filters`` name (ill-formed ones aside: compiling them says so)."""
    named: dict[str, set[UUID]] = {"tag": set(), "team": set()}
    for f in filters:
        tags = f.get("tags")
        tags = tags if isinstance(tags, dict) else {}
        values = [v for op in ("anyOf", "allOf", "noneOf") for v in (tags.get(op) or [])]
        for table, listed in (("tag", values), ("team", f.get("teamIds") or [])):
            for value in listed if isinstance(listed, list) else []:
                with suppress(ValueError):
                    named[table].add(UUID(str(value)))
    return named


@asynccontextmanager
async def read_ahead(tenant_id: UUID, filters: list[dict[str, Any] | None]) -> AsyncIterator[None]:
    """Compile the ``filters`` (saved lists applied together) with what they name read at once:
    one statement for their tags and teams, one for the custom field definitions if any names a
    field, instead of one of each per filter."""
    given = [f for f in filters if f]
    ahead = ReadAhead(asked=_named(given))
    if any(ahead.asked.values()):
        rows = await fetch(
            Sql(
                "SELECT 'tag' AS t, id FROM tag WHERE tenant_id = %s AND id = ANY(%s::uuid[]) UNION ALL "
                "SELECT 'team', id FROM team WHERE tenant_id = %s AND id = ANY(%s::uuid[])",
                tenant_id,
                list(ahead.asked["tag"]),
                tenant_id,
                list(ahead.asked["team"]),
            )
        )
        ahead.found = {"tag": set(), "team": set()}
        for r in rows:
            ahead.found[r["t"]].add(r["id"])
    if any(f.get("customFields") for f in given):
        ahead.definitions = await load_definitions(tenant_id)
    token = _ahead.set(ahead)
    try:
        yield
    finally:
        _ahead.reset(token)


async def _existing(table: str, tenant_id: UUID, ids: list[UUID]) -> set[UUID]:
    if not ids:
        return set()
    ahead = _ahead.get()
    if ahead is not None and set(ids) <= ahead.asked.get(table, set()):
        return ahead.found[table] & set(ids)
    rows = await fetch(Sql(f"SELECT id FROM {table} WHERE tenant_id = %s AND id = ANY(%s::uuid[])", tenant_id, ids))
    return {r["id"] for r in rows}


async def _definitions(tenant_id: UUID) -> list[Any]:
    ahead = _ahead.get()
    if ahead is not None and ahead.definitions is not None:
        return ahead.definitions
    return await load_definitions(tenant_id)


class _Compiler:
    def __init__(self, access: Access, lenient: bool, labels: dict[str, str]) -> None:
        self.access = access
        self.tenant = access.principal.tenant_id
        self.lenient = lenient
        self.labels = labels
        self.errors = Errors()
        self.ignored: list[str] = []
        self.parts: list[Sql | None] = []

    def _missing(self, kind: str, path: str, gone: list[UUID]) -> None:
        for pk in gone:
            if self.lenient:
                name = self.labels.get(str(pk))
                self.ignored.append(f"{kind} '{name}', which was deleted" if name else f"a deleted {kind}")
            else:
                self.errors.add(path, FieldErrorCode.UNKNOWN, f"is not a {kind} of this company")

    async def tags(self, condition: dict[str, Any]) -> None:
        lists = {op: _ids(condition.get(op), f"filter.tags.{op}", self.errors) for op in ("anyOf", "allOf", "noneOf")}
        for op in ("anyOf", "allOf"):
            clash = set(lists[op]) & set(lists["noneOf"])
            if clash:
                self.errors.add(f"filter.tags.{op}", FieldErrorCode.INVALID, "a tag cannot be both wanted and excluded")
        every = [pk for ids in lists.values() for pk in ids]
        known = await _existing("tag", self.tenant, every)
        self._missing("tag", "filter.tags", [pk for pk in dict.fromkeys(every) if pk not in known])
        tagged = (
            "EXISTS (SELECT 1 FROM customer_tag ct WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id "
            "AND ct.tag_id = ANY(%s::uuid[]))"
        )
        any_of = [pk for pk in lists["anyOf"] if pk in known]
        all_of = [pk for pk in lists["allOf"] if pk in known]
        none_of = [pk for pk in lists["noneOf"] if pk in known]
        if any_of:
            self.parts.append(Sql(tagged, any_of))
        if all_of:
            self.parts.append(
                Sql(
                    "(SELECT count(*) FROM customer_tag ct WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id "
                    "AND ct.tag_id = ANY(%s::uuid[])) = %s",
                    all_of,
                    len(all_of),
                )
            )
        if none_of:
            self.parts.append(Sql(tagged, none_of).wrap("NOT ", ""))

    async def teams(self, values: Any) -> None:
        ids = _ids(values, "filter.teamIds", self.errors)
        known = await _existing("team", self.tenant, ids)
        self._missing("team", "filter.teamIds", [pk for pk in ids if pk not in known])
        wanted = [pk for pk in ids if pk in known]
        if not self.lenient and any(not self.access.covers_team(P.CUSTOMER_READ, pk) for pk in wanted):
            # A shared saved filter keeps working: it only narrows what the caller sees anyway.
            self.errors.add("filter.teamIds", FieldErrorCode.NOT_ALLOWED, "you are not a member of this team")
        if wanted:
            self.parts.append(
                Sql(
                    "EXISTS (SELECT 1 FROM customer_team ct WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id "
                    "AND ct.team_id = ANY(%s::uuid[]))",
                    wanted,
                )
            )

    def time_range(self, name: str, column: str, value: dict[str, Any]) -> None:
        start, end = value.get("from"), value.get("to")
        if start is None and end is None:
            self.errors.add(f"filter.{name}", FieldErrorCode.REQUIRED, "give from, to or both")
            return
        if start is not None and end is not None and start >= end:
            self.errors.add(f"filter.{name}", FieldErrorCode.INVALID, "from must be before to")
            return
        if start is not None:
            self.parts.append(Sql(f"c.{column} >= %s", start))
        if end is not None:
            self.parts.append(Sql(f"c.{column} < %s", end))

    async def custom_fields(self, conditions: list[dict[str, Any]]) -> None:
        p = self.access.principal
        fields = by_key(await _definitions(p.tenant_id))
        try:
            self.parts.append(
                custom_field_conditions(
                    conditions,
                    fields,
                    p.settings.default_region,
                    contact_hidden(self.access),
                    ignored=self.ignored if self.lenient else None,
                )
            )
        except ValidationFailed as exc:  # report them with ours, in one answer
            self.errors.items.extend(exc.errors)


async def compile_filter(
    access: Access,
    filter: dict[str, Any] | None,
    *,
    lenient: bool = False,
    labels: dict[str, str] | None = None,
) -> CompiledFilter:
    """``filter`` uses the API's names; ids are UUIDs or their text. ``labels`` maps the ids a
    saved filter names to the names they had when it was saved, for ``ignored``."""
    f = filter or {}
    c = _Compiler(access, lenient, labels or {})
    status = StatusFilter(f.get("status") or StatusFilter.ACTIVE)
    if status is not StatusFilter.ANY:
        # A literal (one of two values): a generic plan sees which, as its estimate needs.
        c.parts.append(Sql(f"c.status = '{status.value}'"))
    if f.get("tags"):
        await c.tags(f["tags"])
    for name, column in COLUMN_FILTERS.items():
        if column.kind == "datetime" and f.get(name) is not None:
            c.time_range(name, column.sql, f[name])
        elif column.kind == "enum" and f.get(name):
            c.parts.append(Sql(f"c.{column.sql} = ANY(%s::text[])", [str(v) for v in f[name]]))
    if f.get("teamIds"):
        await c.teams(f["teamIds"])
    if f.get("hasOpenTasks") is not None:
        open_tasks = Sql(
            "EXISTS (SELECT 1 FROM task k WHERE k.tenant_id = c.tenant_id AND k.customer_id = c.id AND k.status = 'open')"
        )
        c.parts.append(open_tasks if f["hasOpenTasks"] else open_tasks.wrap("NOT ", ""))
    if f.get("customFields"):
        await c.custom_fields(f["customFields"])
    if lenient:
        # A saved filter still answers: a part that would be refused now is left out, and said so.
        c.ignored.extend(f"the condition {e.field.removeprefix('filter.')}: {e.message}" for e in c.errors.items)
    else:
        c.errors.raise_if_any()
    return CompiledFilter(and_(*c.parts), c.ignored)
