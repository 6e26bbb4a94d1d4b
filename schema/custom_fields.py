"""Custom field definitions: reading them (every role) and managing them (admins)."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from authz.catalogue import P
from authz.masking import custom_value_hidden
from models import CustomFieldType as ModelCustomFieldType
from resolvers import custom_field_options as option_ops
from resolvers import custom_fields as field_ops
from resolvers.custom_values import FieldDef
from resolvers.errors import NotFound as Missing
from schema.context import Info
from schema.errors import ERROR_MAPPERS, Error, NotFound, ValidationFailed, VersionConflict, returns_errors
from schema.inputs import provided
from schema.node import Node, parse_id, to_global_id
from schema.permissions import requires

CustomFieldType = strawberry.enum(
    ModelCustomFieldType, name="CustomFieldType", description="What a custom field holds; fixed once created."
)


@strawberry.type(description="A field an admin defined for the company's customers.")
class CustomField(Node):
    key: str = strawberry.field(description="Stable key: values are set and filtered by it.")
    label: str
    type: CustomFieldType  # type: ignore[valid-type]
    options: list[str] = strawberry.field(description="The choices of a select or multi-select field, in order.")
    required: bool = strawberry.field(description="Every create and update must leave a value (unless archived).")
    position: int = strawberry.field(description="Display order, ascending.")
    archived: bool = strawberry.field(description="Hidden from customers and not required; its values are kept.")
    version: int = strawberry.field(description="Send it back as expectedVersion to detect concurrent edits.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_def(cls, d: FieldDef) -> CustomField:
        return cls(
            id=to_global_id("CustomField", d.id),
            key=d.key,
            label=d.label,
            type=d.type,
            options=list(d.options),
            required=d.required,
            position=d.position,
            archived=d.archived,
            version=d.version,
            created_at=d.created_at,
            updated_at=d.updated_at,
        )


@strawberry.type(
    description="A customer's value in a custom field. `value` is the canonical JSON form (send it back as "
    "CustomFieldValueInput.value); the typed accessors give the same value with its GraphQL type, null for "
    "the other types."
)
class CustomFieldValue:
    key: str
    label: str
    type: CustomFieldType  # type: ignore[valid-type]
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


def field_pk(value: str) -> Any:
    pk = parse_id(value, "CustomField")
    if pk is None:
        raise Missing("CustomField", value)
    return pk


@strawberry.input
class CreateCustomFieldInput:
    key: str = strawberry.field(description="a-z first, then up to 62 of a-z, 0-9, _; unique in the company.")
    label: str
    type: CustomFieldType  # type: ignore[valid-type]
    options: list[str] | None = strawberry.field(default=UNSET, description="Required for SELECT and MULTI_SELECT.")
    required: bool | None = UNSET
    position: int | None = strawberry.field(default=UNSET, description="Default: after the last field.")


@strawberry.input
class UpdateCustomFieldInput:
    id: strawberry.ID
    expected_version: int = strawberry.field(description="The version you read; else VersionConflict.")
    label: str | None = UNSET
    options: list[str] | None = strawberry.field(
        default=UNSET,
        description="The whole new list. An option customers hold cannot be dropped (IN_USE): rename it instead.",
    )
    required: bool | None = UNSET
    position: int | None = UNSET
    archived: bool | None = strawberry.field(default=UNSET, description="Hide (true) or bring back (false).")


@strawberry.input
class DeleteCustomFieldInput:
    id: strawberry.ID
    confirm: bool = strawberry.field(
        default=False, description="Needed when customers hold values: they are removed from every customer."
    )
    expected_version: int | None = UNSET


@strawberry.input
class RenameFieldOptionInput:
    field_id: strawberry.ID
    from_: str = strawberry.field(name="from", description="The option as it is now.")
    to: str = strawberry.field(description="Its new name; must not be another option already.")
    expected_version: int = strawberry.field(description="The field's version you read; else VersionConflict.")


@strawberry.type
class CustomFieldSuccess:
    field: CustomField


@strawberry.type
class DeleteCustomFieldSuccess:
    deleted_id: strawberry.ID
    cleared_customers: int = strawberry.field(description="How many customers lost their value in the field.")


@strawberry.type(description="Deleting would remove values from customers; send confirm: true. Nothing changed.")
class ConfirmationRequired(Error):
    affected_customers: int = strawberry.field(description="How many customers would lose their value.")


@strawberry.type
class RenameFieldOptionSuccess:
    field: CustomField
    updated_customers: int = strawberry.field(
        description="How many customers held the option and now hold the new name."
    )


ERROR_MAPPERS[field_ops.ConfirmationRequired] = lambda e, _: ConfirmationRequired(
    message=str(e), affected_customers=e.customers
)

CreateCustomFieldResult = Annotated[CustomFieldSuccess | ValidationFailed, strawberry.union("CreateCustomFieldResult")]
UpdateCustomFieldResult = Annotated[
    CustomFieldSuccess | ValidationFailed | NotFound | VersionConflict, strawberry.union("UpdateCustomFieldResult")
]
DeleteCustomFieldResult = Annotated[
    DeleteCustomFieldSuccess | ConfirmationRequired | NotFound | VersionConflict,
    strawberry.union("DeleteCustomFieldResult"),
]

RenameFieldOptionResult = Annotated[
    RenameFieldOptionSuccess | ValidationFailed | NotFound | VersionConflict,
    strawberry.union("RenameFieldOptionResult"),
]


@strawberry.type
class CustomFieldQuery:
    @strawberry.field(
        extensions=requires(P.CUSTOM_FIELD_READ), description="The company's custom fields, in display order."
    )
    async def custom_fields(self, info: Info, include_archived: bool = False) -> list[CustomField]:
        found = await field_ops.list_definitions(info.context.access, include_archived=include_archived)
        return [CustomField.from_def(d) for d in found]


@strawberry.type
class CustomFieldMutation:
    @strawberry.mutation(extensions=requires(P.CUSTOM_FIELD_MANAGE), description="Define a custom field.")
    @returns_errors
    async def create_custom_field(self, info: Info, input: CreateCustomFieldInput) -> CreateCustomFieldResult:
        return CustomFieldSuccess(
            field=CustomField.from_def(await field_ops.create_definition(info.context.access, provided(input)))
        )

    @strawberry.mutation(
        extensions=requires(P.CUSTOM_FIELD_MANAGE),
        description="Change a field's label, options, required flag or position; archive or unarchive it.",
    )
    @returns_errors
    async def update_custom_field(self, info: Info, input: UpdateCustomFieldInput) -> UpdateCustomFieldResult:
        data = provided(input)
        pk, expected = field_pk(data.pop("id")), data.pop("expectedVersion")
        found = await field_ops.update_definition(info.context.access, pk, expected, data)
        return CustomFieldSuccess(field=CustomField.from_def(found))

    @strawberry.mutation(
        extensions=requires(P.CUSTOM_FIELD_MANAGE),
        description="Delete a field and its values (confirm: true when customers hold values).",
    )
    @returns_errors
    async def delete_custom_field(self, info: Info, input: DeleteCustomFieldInput) -> DeleteCustomFieldResult:
        expected = input.expected_version if input.expected_version is not UNSET else None
        cleared = await field_ops.delete_definition(
            info.context.access, field_pk(input.id), confirm=input.confirm, expected_version=expected
        )
        return DeleteCustomFieldSuccess(deleted_id=input.id, cleared_customers=cleared)

    @strawberry.mutation(
        extensions=requires(P.CUSTOM_FIELD_MANAGE),
        description="Rename a select option on the field and, in the same transaction, on every customer holding it.",
    )
    @returns_errors
    async def rename_field_option(self, info: Info, input: RenameFieldOptionInput) -> RenameFieldOptionResult:
        found, updated = await option_ops.rename_option(
            info.context.access, field_pk(input.field_id), input.from_, input.to, input.expected_version
        )
        return RenameFieldOptionSuccess(field=CustomField.from_def(found), updated_customers=updated)
