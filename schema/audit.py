"""The company's audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from authz.catalogue import P
from resolvers import audit_log as log_ops
from resolvers.audit import REF
from resolvers.errors import FieldErrorCode, ValidationFailed
from schema.context import Info
from schema.customer_inputs import TimeRange
from schema.node import Node, from_global_id, parse_id, to_global_id
from schema.pagination import Connection, build_connection, paged
from schema.permissions import requires
from schema.users import User

# Stored references whose names are looked up when the entry did not record one.
_LOOKUPS = ("User", "Team", "Customer")


@strawberry.type(description="One change in the company: who made it, when, and the values before and after.")
class AuditEntry(Node):
    at: datetime
    action: str = strawberry.field(description="<object>.<verb>: note.create, customer.update, policy.reload...")
    object_type: str = strawberry.field(description="The API type of the object changed: Note, Customer, Policy...")
    object_id: strawberry.ID | None = strawberry.field(description="The object's global id (null for a policy file).")
    actor_name: str = strawberry.field(description="The user's or API key's name at the time; \"system\" for none.")
    actor_api_key: str | None = strawberry.field(description="The API key's name, when a key made the change.")
    before: JSON | None = strawberry.field(
        description="The changed fields before, as the API names them; references as {id, name}, enums by name."
    )
    after: JSON | None
    details: JSON = strawberry.field(description="What else describes the change (a filter, a count, a reason).")
    withheld: list[str] = strawberry.field(
        description="Keys whose contact values are withheld from you (shown as null)."
    )
    _actor_id: strawberry.Private[UUID | None]

    @strawberry.field(description="The user who made the change; null for an API key or the system.")
    async def actor(self, info: Info) -> User | None:
        if self._actor_id is None:
            return None
        row = await info.context.loaders.users.load(self._actor_id)
        return User.from_row(row) if row else None


def _refs(value: Any, found: set[tuple[str, UUID]]) -> None:
    if isinstance(value, dict):
        if REF in value and "name" not in value and value[REF] in _LOOKUPS:
            found.add((value[REF], UUID(value["id"])))
        for v in value.values():
            _refs(v, found)
    elif isinstance(value, list):
        for v in value:
            _refs(v, found)


def _shown(value: Any, names: dict[tuple[str, UUID], str | None]) -> Any:
    """A stored value as the API shows it: references as ``{id: <global id>, name}``."""
    if isinstance(value, dict):
        if REF in value:
            pk = UUID(value["id"])
            name = value.get("name", names.get((value[REF], pk)))
            return {"id": to_global_id(value[REF], pk), "name": name}
        return {k: _shown(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v, names) for v in value]
    return value


async def _names(info: Info, rows: list[dict[str, Any]]) -> dict[tuple[str, UUID], str | None]:
    """Names of the rows the entries name without one (an owner): looked up now, as the caller may
    see them, one statement per type named."""
    # The actors' users too, in the same batch: ``actor`` then finds them loaded.
    found: set[tuple[str, UUID]] = {("User", r["actor_id"]) for r in rows if r["actor_id"] is not None}
    for row in rows:
        for side in ("before", "after", "details"):
            _refs(row.get(side), found)
    loaders = info.context.loaders
    by_type = {"User": loaders.users, "Team": loaders.teams, "Customer": loaders.customers}
    names: dict[tuple[str, UUID], str | None] = {}
    for type_name in _LOOKUPS:
        ids = sorted(pk for t, pk in found if t == type_name)
        if ids:
            loaded = await by_type[type_name].load_many(ids)
            names.update({(type_name, pk): (r or {}).get("name") for pk, r in zip(ids, loaded, strict=True)})
    return names


def _entry(row: dict[str, Any], names: dict[tuple[str, UUID], str | None]) -> AuditEntry:
    object_id = row["object_id"]
    return AuditEntry(
        id=to_global_id("AuditEntry", row["id"]),
        at=row["created_at"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=to_global_id(row["object_type"], object_id) if object_id else None,
        actor_name=row["actor_name"],
        actor_api_key=row["actor_api_key_name"],
        before=cast(JSON, _shown(row["before"], names)),
        after=cast(JSON, _shown(row["after"], names)),
        details=cast(JSON, _shown(row["details"] or {}, names)),
        withheld=row["withheld"],
        _actor_id=row["actor_id"],
    )


async def audit_entries(info: Info, rows: list[dict[str, Any]]) -> list[AuditEntry]:
    names = await _names(info, rows)
    return [_entry(r, names) for r in rows]


async def audit_entry(info: Info, pk: UUID) -> AuditEntry | None:
    row = await log_ops.audit_entry(info.context.access, pk)
    return (await audit_entries(info, [row]))[0] if row else None


@strawberry.input(description="Narrows the audit log; every condition given must hold.")
class AuditLogFilter:
    actor: strawberry.ID | None = strawberry.field(default=UNSET, description="A user's id: their changes only.")
    object_type: str | None = strawberry.field(default=UNSET, description="An API type name: Note, Customer...")
    object_id: strawberry.ID | None = strawberry.field(default=UNSET, description="One object's global id.")
    action: str | None = strawberry.field(default=UNSET, description="An action: customer.update, team.create...")
    between: TimeRange | None = UNSET


def _id(value: str | None, field: str, type_name: str | None = None) -> UUID | None:
    if not value:
        return None
    if type_name is None:
        parsed = from_global_id(value)
        pk = parsed[1] if parsed else parse_id(value, "")
    else:
        pk = parse_id(value, type_name)
    if pk is None:
        raise ValidationFailed.one(field, FieldErrorCode.INVALID, "is not a valid id")
    return pk


def _filter(given: AuditLogFilter | None) -> log_ops.AuditFilter:
    if given is None:
        return log_ops.AuditFilter()
    between = given.between or None
    return log_ops.AuditFilter(
        actor_id=_id(given.actor or None, "filter.actor", "User"),
        object_type=given.object_type or None,
        object_id=_id(given.object_id or None, "filter.objectId"),
        action=given.action or None,
        since=(between.from_ or None) if between else None,
        until=(between.to or None) if between else None,
    )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        extensions=[*paged(), *requires(P.AUDIT_READ)],
        description="The company's audit log, newest first (admins). Contact values are withheld from readers "
        "from whom the company hides contact data.",
    )
    async def audit_log(
        self, info: Info, filter: AuditLogFilter | None = None, first: int | None = 20, after: str | None = None
    ) -> Connection[AuditEntry]:
        page = await log_ops.audit_log(info.context.access, _filter(filter), first=first, after=after)
        return build_connection(
            await audit_entries(info, page.rows),
            page.cursors,
            has_next=page.has_next,
            has_previous=bool(after),
            total_count=page.total_count,
        )
