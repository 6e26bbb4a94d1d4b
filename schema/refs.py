"""References between types: global ids to keys, and the user or customer a record points to.

Records around a customer (notes, tasks, conversations...) point back to it, and the Customer type
lists them: the back reference goes through ``strawberry.lazy`` here, so that the modules of those
records never import the Customer type (which imports them) and the import graph has no circle.
"""

from __future__ import annotations

from typing import Annotated, Any, Protocol

import strawberry
from strawberry.types.lazy_type import LazyType

from resolvers.errors import FieldErrorCode
from resolvers.errors import NotFound as Missing
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.kinds import a_kind
from schema.context import Info
from schema.node import parse_id
from schema.users import User


class Customer(Protocol):
    """What is used here of the Customer type (schema/customer_type.py), for the type checker only:
    Strawberry follows the lazy reference below to the real type."""

    @classmethod
    def from_row(cls, row: dict[str, Any], hidden: bool) -> Customer: ...


CustomerRef = Annotated["Customer", strawberry.lazy("schema.customer_type")]
_CUSTOMER: LazyType[str, str] = LazyType("Customer", "schema.customer_type")


def pk_of(value: str, type_name: str, field: str | None = None) -> Any:
    """The uuid behind a global id; a bad id is NotFound (or ValidationFailed naming ``field``)."""
    pk = parse_id(value, type_name)
    if pk is None:
        if field:
            raise InvalidInput.one(field, FieldErrorCode.INVALID, f"is not {a_kind(type_name)} id")
        raise Missing(type_name, value)
    return pk


def pks_in(data: dict[str, Any], **fields: str) -> dict[str, Any]:
    """Replace global ids in ``data`` (by field name) with uuids; null stays null."""
    for field, type_name in fields.items():
        if data.get(field) is not None:
            data[field] = pk_of(data[field], type_name, field)
    return data


async def load_user(info: Info, pk: Any) -> User | None:
    if pk is None:
        return None
    row = await info.context.loaders.users.load(pk)
    return User.from_row(row) if row else None


def customer_from_row(row: dict[str, Any], hidden: bool) -> Customer:
    """A customer row as API data (contact rules applied), for modules the Customer type imports."""
    customer: type[Customer] = _CUSTOMER.resolve_type()
    return customer.from_row(row, hidden)


async def load_customer(info: Info, pk: Any) -> Customer | None:
    row = await info.context.loaders.customers.load(pk)
    return customer_from_row(row, info.context.contact_hidden) if row else None
