"""Custom field definitions: reading them (every role) and managing them (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
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
    type: CustomFieldType
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


def field_pk(value: str) -> Any:
    pk = parse_id(value, "CustomField")
    if pk is None:
        raise Missing("CustomField", value)
    return pk


@strawberry.input
class CreateCustomFieldInput:
    key: str = strawberry.field(description="a-z first, then up to 62 of a-z, 0-9, _; unique in the company.")
    label: str
    type: CustomFieldType
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
    field: CustomField | None


@strawberry.type
class DeleteCustomFieldSuccess:
    deleted_id: strawberry.ID
    cleared_customers: int = strawberry.field(description="How many customers lost their value in the field.")


@strawberry.type(description="Deleting would remove values from customers; send confirm: true. Nothing changed.")
class ConfirmationRequired(Error):
    affected_customers: int = strawberry.field(description="How many customers would lose their value.")


@strawberry.type
class RenameFieldOptionSuccess:
    field: CustomField | None
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
    async def create_custom_field(self, info: Info, input: CreateCustomFieldInput) -> CreateCustomFieldResult | None:
        return CustomFieldSuccess(
            field=CustomField.from_def(await field_ops.create_definition(info.context.access, provided(input)))
        )

    @strawberry.mutation(
        extensions=requires(P.CUSTOM_FIELD_MANAGE),
        description="Change a field's label, options, required flag or position; archive or unarchive it.",
    )
    @returns_errors
    async def update_custom_field(self, info: Info, input: UpdateCustomFieldInput) -> UpdateCustomFieldResult | None:
        data = provided(input)
        pk, expected = field_pk(data.pop("id")), data.pop("expectedVersion")
        found = await field_ops.update_definition(info.context.access, pk, expected, data)
        return CustomFieldSuccess(field=CustomField.from_def(found))

    @strawberry.mutation(
        extensions=requires(P.CUSTOM_FIELD_MANAGE),
        description="Delete a field and its values (confirm: true when customers hold values).",
    )
    @returns_errors
    async def delete_custom_field(self, info: Info, input: DeleteCustomFieldInput) -> DeleteCustomFieldResult | None:
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
    async def rename_field_option(self, info: Info, input: RenameFieldOptionInput) -> RenameFieldOptionResult | None:
        found, updated = await option_ops.rename_option(
            info.context.access, field_pk(input.field_id), input.from_, input.to, input.expected_version
        )
        return RenameFieldOptionSuccess(field=CustomField.from_def(found), updated_customers=updated)
