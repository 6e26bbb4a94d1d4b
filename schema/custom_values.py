"""Custom values as customers carry them: the typed list, the input that sets them, and the
conditions that filter on them."""

from __future__ import annotations

from datetime import date as Date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from authz.masking import custom_value_hidden
from models import CustomFieldType as ModelCustomFieldType
from resolvers.custom_values import FieldDef
from schema.custom_fields import CustomFieldType


@strawberry.type(
    description="A customer's value in a custom field. `value` is the canonical JSON form (send it back as "
    "CustomFieldValueInput.value); the typed accessors give the same value with its GraphQL type, null for "
    "the other types."
)
class CustomFieldValue:
    key: str
    label: str
    type: CustomFieldType
    value: JSON | None = strawberry.field(description="null when the value is withheld from you (see hidden).")
    hidden: bool = strawberry.field(
        description="True for a phone or email value withheld from you (show a lock, not an empty field)."
    )
    text: str | None = strawberry.field(
        default=None, description="TEXT, LONG_TEXT, URL, EMAIL, PHONE (E.164) and SELECT."
    )
    number: float | None = strawberry.field(default=None, description="NUMBER.")
    decimal: Decimal | None = strawberry.field(default=None, description="DECIMAL, exact.")
    date: Date | None = strawberry.field(default=None, description="DATE.")
    boolean: bool | None = strawberry.field(default=None, description="BOOLEAN.")
    choices: list[str] | None = strawberry.field(default=None, description="MULTI_SELECT: the chosen options, sorted.")


_TEXT_TYPES = frozenset(ModelCustomFieldType) - {
    ModelCustomFieldType.NUMBER,
    ModelCustomFieldType.DECIMAL,
    ModelCustomFieldType.DATE,
    ModelCustomFieldType.BOOLEAN,
    ModelCustomFieldType.MULTI_SELECT,
}


def _typed(kind: ModelCustomFieldType, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if kind in _TEXT_TYPES:
        return {"text": value}
    if kind is ModelCustomFieldType.NUMBER:
        return {"number": value}
    if kind is ModelCustomFieldType.DECIMAL:
        return {"decimal": Decimal(value)}
    if kind is ModelCustomFieldType.DATE:
        return {"date": Date.fromisoformat(value)}
    if kind is ModelCustomFieldType.BOOLEAN:
        return {"boolean": value}
    return {"choices": list(value)}


def custom_field_values(fields: list[FieldDef], values: dict[str, Any], hidden: bool) -> list[CustomFieldValue]:
    """The values a customer holds in fields that are not archived, in display order.

    A withheld contact field is listed whether or not the customer has a value, so its presence
    reveals nothing either.
    """
    out = []
    for field in fields:
        if field.archived:
            continue
        masked = custom_value_hidden(field.type, hidden)
        value = None if masked else values.get(field.key)
        if value is None and not masked:
            continue
        out.append(
            CustomFieldValue(
                key=field.key,
                label=field.label,
                type=field.type,
                value=value,
                hidden=masked,
                **_typed(field.type, value),
            )
        )
    return out


@strawberry.input(description="A custom field value to set on a customer, by the field's key.")
class CustomFieldValueInput:
    key: str
    value: JSON | None = strawberry.field(
        default=None,
        description='Text, number, "1234.56" (decimal), "YYYY-MM-DD", true/false, an option, a list of '
        "options, a URL, an email or a phone; null clears the value.",
    )


@strawberry.input(
    description="A condition on one custom field; every operator given must hold. Which operators apply depends "
    "on the type: equals (not MULTI_SELECT), oneOf (any of the values; for MULTI_SELECT: holds any of the options), "
    "contains (text types: a case-insensitive part, PHONE: digits; MULTI_SELECT: holds this option), min and max "
    "(NUMBER, DECIMAL, DATE; inclusive), isEmpty (all). Values are written as for CustomFieldValueInput."
)
class CustomFieldCondition:
    key: str
    equals: JSON | None = UNSET
    one_of: list[JSON] | None = UNSET
    contains: str | None = UNSET
    min: JSON | None = UNSET
    max: JSON | None = UNSET
    is_empty: bool | None = UNSET
