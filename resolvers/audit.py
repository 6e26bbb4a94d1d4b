"""Writing the company's audit log (reading it is ``resolvers/audit_log.py``'s job).

Every change a company can make records one entry here, in the same transaction as the change,
so an entry never describes a change that rolled back and no committed change lacks one.

Entries speak the API's language from the start: field names as the API spells them, enum
values by name (``ACTIVE``), and other rows as references (``ref``) that the reader shows as
``{id: <global id>, name}``. Which keys held contact data is decided here, when written, and
stored with the entry (``contact_keys``); the reader withholds their values by the live rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.masking import CONTACT_FIELD_TYPES, CONTACT_FIELDS
from models import CustomFieldType
from models.customers import CUSTOMER
from models.db import execute
from models.sql import Sql
from resolvers.history import to_json

# Keys that hold contact data wherever they appear (a conversation's handle is the person's address).
CONTACT_KEYS = frozenset({*CONTACT_FIELDS, "handle", "contact"})
REF = "ref"  # marks a stored reference: {"ref": <type>, "id": <uuid>, "name": <name or absent>}
CUSTOM = "customFields."


def ref(type_name: str, pk: UUID | None, name: str | None = None) -> dict[str, Any] | None:
    """Another row, as an entry names it (shown as ``{id: <global id>, name}``)."""
    if pk is None:
        return None
    out: dict[str, Any] = {REF: type_name, "id": str(pk)}
    if name is not None:
        out["name"] = name
    return out


def spelled(value: Any) -> Any:
    """An enum value as the API spells it (its name); anything else as it is."""
    return value.name if isinstance(value, Enum) else value


Convert = Callable[[Any], Any]
# A column as an entry names it: its API name, and how its value is shown (enum name, reference).
Fields = Mapping[str, str | tuple[str, Convert]]


def enum_name(enum: type[Enum]) -> Convert:
    def convert(value: Any) -> Any:
        try:
            return enum(value).name
        except ValueError:
            return value

    return convert


def ref_to(type_name: str) -> Convert:
    return lambda value: ref(type_name, value if isinstance(value, UUID) else UUID(str(value)))


def api_values(row: Mapping[str, Any], fields: Fields) -> dict[str, Any]:
    """The row's ``fields`` as the API names and spells them."""
    out: dict[str, Any] = {}
    for column, spec in fields.items():
        if column not in row:
            continue
        api, convert = (spec, None) if isinstance(spec, str) else spec
        value = spelled(row[column])
        out[api] = convert(value) if convert is not None and value is not None else value
    return out


def changed(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Fields
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose values differ, as (before, after), as the API names and spells them."""
    old, new = api_values(before, fields), api_values(after, fields)
    keys = [k for k in new if old.get(k) != new[k]]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


# How a customer's columns are shown: references, and enums by name (``ACTIVE``, ``WHATSAPP``).
_CUSTOMER_VALUES: dict[str, Convert] = {
    "owner_id": ref_to("User"),
    "billing_parent_id": ref_to("Customer"),
    **{c.sql: enum_name(c.enum) for c in CUSTOMER.columns if c.enum is not None},
}
_CUSTOMER_NAMES = {**CUSTOMER.api_name_of, "owner_id": "owner", "billing_parent_id": "billingParent"}


def _customer_value(column: str, value: Any) -> Any:
    convert = _CUSTOMER_VALUES.get(column)
    return value if value is None or convert is None else convert(value)


def customer_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], custom_types: Mapping[str, CustomFieldType] | None = None
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """A customer's changed tracked fields as (before, after, contact keys), as the API names them:
    ``email`` (never ``email_normalized``), ``owner`` as a reference, ``customFields.<key>``."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for column in (*CUSTOMER.tracked, "billing_parent_id"):
        if column == "custom_fields":
            held, now = _json_dict(before.get(column)), _json_dict(after.get(column))
            for key in sorted(held.keys() | now.keys()):
                if held.get(key) != now.get(key):
                    old[CUSTOM + key], new[CUSTOM + key] = held.get(key), now.get(key)
            continue
        a, b = _customer_value(column, before.get(column)), _customer_value(column, after.get(column))
        if a != b:
            name = _CUSTOMER_NAMES.get(column, column)
            old[name], new[name] = a, b
    types = custom_types or {}
    contact = [k for k in {*old, *new} if k in CONTACT_KEYS or _custom_contact(k, types)]
    return old, new, sorted(contact)


def _json_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return dict(value) if isinstance(value, Mapping) else {}


def _custom_contact(key: str, types: Mapping[str, CustomFieldType]) -> bool:
    """A custom value is contact data if its field is of a contact type, or of no known type."""
    if not key.startswith(CUSTOM):
        return False
    field_type = types.get(key.removeprefix(CUSTOM))
    return field_type is None or field_type in CONTACT_FIELD_TYPES


def contact_keys_of(*sides: Mapping[str, Any] | None, extra: Iterable[str] = ()) -> list[str]:
    """The keys of ``sides`` that hold contact data (see CONTACT_KEYS), plus ``extra``."""
    keys = {k for side in sides if side for k in side if k in CONTACT_KEYS}
    return sorted(keys | set(extra))


Actor = tuple[UUID, UUID | None, UUID | None, str]  # tenant, user, API key, name
SYSTEM = "system"  # the actor of a change no principal made


def _actor(access: Access) -> Actor:
    p = access.principal
    return (p.tenant_id, p.user_id, p.api_key_id, p.name)


def _entries(
    actor: Actor,
    action: str,
    object_type: str,
    object_ids: Sequence[UUID | None],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    details: dict[str, Any] | None,
    contact: Sequence[str],
) -> Sql:
    """The ``INSERT`` of one entry per object id, alike but for the id."""
    return Sql(
        "INSERT INTO audit_entry (tenant_id, actor_id, actor_api_key_id, actor_name, action, object_type, "
        "object_id, before, after, details, contact_keys) SELECT %s, %s, %s, %s, %s, %s, o, "
        "%s::jsonb, %s::jsonb, %s::jsonb, %s::jsonb FROM unnest(%s::uuid[]) o",
        *actor,
        action,
        object_type,
        None if before is None else to_json(before),
        None if after is None else to_json(after),
        to_json(details or {}),
        json.dumps(contact_keys_of(before, after, details, extra=contact)),
        list(object_ids),
    )


def audit_insert(
    access: Access,
    action: str,
    object_type: str,
    object_id: UUID | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    contact: Sequence[str] | None = None,
) -> Sql:
    """The ``INSERT`` of one entry, for a data-modifying ``WITH`` that makes the change itself.

    ``contact``: the keys holding contact data; by default those of before/after/details named
    in CONTACT_KEYS (a caller writing custom values of a contact type names them itself)."""
    return _entries(_actor(access), action, object_type, [object_id], before, after, details, contact or ())


async def record_audit(
    access: Access,
    action: str,
    object_type: str,
    object_id: UUID | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    contact: Sequence[str] | None = None,
) -> None:
    """Append one entry inside the caller's transaction (call it within ``in_transaction``)."""
    await execute(
        audit_insert(
            access, action, object_type, object_id, before=before, after=after, details=details, contact=contact
        )
    )


async def record_audit_each(
    access: Access,
    action: str,
    object_type: str,
    object_ids: Sequence[UUID],
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One entry per object of a bulk change that did the same to each, in one statement."""
    if object_ids:
        await execute(_entries(_actor(access), action, object_type, object_ids, before, after, details, ()))


async def record_system(
    tenant_id: UUID,
    action: str,
    object_type: str,
    object_id: UUID | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An entry for a change no principal made (the ``crm`` command line): actor "system"."""
    actor = (tenant_id, None, None, SYSTEM)
    await execute(_entries(actor, action, object_type, [object_id], before, after, details, ()))
