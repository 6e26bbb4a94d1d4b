"""Customer mutations: create, update, tag; and their answers."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from authz.catalogue import P
from resolvers import customers as customer_ops
from resolvers import external_ids as external_id_ops
from resolvers.customers import Outcome
from resolvers.duplicates import OnDuplicate
from resolvers.errors import FieldErrorCode
from resolvers.errors import ValidationFailed as InvalidInput
from schema.context import Info
from schema.customer_inputs import CreateCustomerInput, TagsInput, UpdateCustomerInput
from schema.customer_type import Customer
from schema.duplicates import DuplicateCustomer
from schema.errors import NotFound, ValidationFailed, VersionConflict, returns_errors
from schema.inputs import provided
from schema.lifecycle_errors import BillingParentCycle, InactivationBlocked
from schema.node import parse_id
from schema.permissions import requires
from schema.refs import pk_of

CustomerOutcome = strawberry.enum(Outcome, name="CustomerOutcome", description="What createCustomer did.")


@strawberry.type
class CreateCustomerSuccess:
    customer: Customer | None
    outcome: CustomerOutcome = strawberry.field(
        description="CREATED, or MERGED/UPDATED when onDuplicate folded the input into an existing customer."
    )


@strawberry.type
class UpdateCustomerSuccess:
    customer: Customer | None


@strawberry.type
class TagsChanged:
    customer: Customer | None


CreateCustomerResult = Annotated[
    CreateCustomerSuccess | ValidationFailed | DuplicateCustomer, strawberry.union("CreateCustomerResult")
]
UpdateCustomerResult = Annotated[
    UpdateCustomerSuccess
    | ValidationFailed
    | NotFound
    | VersionConflict
    | DuplicateCustomer
    | InactivationBlocked
    | BillingParentCycle,
    strawberry.union("UpdateCustomerResult"),
]
TagsResult = Annotated[TagsChanged | ValidationFailed | NotFound, strawberry.union("TagsResult")]


def _owner_ref(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("ownerId") is not None:
        owner = parse_id(data["ownerId"], "User")
        if owner is None:
            raise InvalidInput.one("ownerId", FieldErrorCode.UNKNOWN, "is not a user id")
        data["ownerId"] = owner
    if data.get("billingParentId") is not None:
        data["billingParentId"] = pk_of(data["billingParentId"], "Customer", "billingParentId")
    return data


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(extensions=requires(P.CUSTOMER_CREATE))
    @returns_errors
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CreateCustomerResult | None:
        data = _owner_ref(provided(input))
        mode = OnDuplicate(data.pop("onDuplicate", None) or OnDuplicate.BLOCK)
        ids = external_id_ops.take_pairs(data)
        row, outcome = await external_id_ops.create_with_ids(info.context.access, data, mode, ids)
        return CreateCustomerSuccess(customer=Customer.from_row(row, info.context.contact_hidden), outcome=outcome)

    @strawberry.mutation(extensions=requires(P.CUSTOMER_UPDATE))
    @returns_errors
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> UpdateCustomerResult | None:
        data = _owner_ref(provided(input))
        pk = pk_of(data.pop("id"), "Customer")
        expected = data.pop("expectedVersion", None)
        ids = external_id_ops.take_pairs(data)
        row = await external_id_ops.update_with_ids(info.context.access, pk, data, expected, ids)
        return UpdateCustomerSuccess(customer=Customer.from_row(row, info.context.contact_hidden))

    @strawberry.mutation(extensions=requires(P.CUSTOMER_TAG), description="Add tags, creating new ones by name.")
    @returns_errors
    async def add_tags(self, info: Info, input: TagsInput) -> TagsResult | None:
        row = await customer_ops.change_tags(info.context.access, pk_of(input.customer_id, "Customer"), add=input.tags)
        return TagsChanged(customer=Customer.from_row(row, info.context.contact_hidden))

    @strawberry.mutation(extensions=requires(P.CUSTOMER_TAG))
    @returns_errors
    async def remove_tags(self, info: Info, input: TagsInput) -> TagsResult | None:
        row = await customer_ops.change_tags(
            info.context.access, pk_of(input.customer_id, "Customer"), remove=input.tags
        )
        return TagsChanged(customer=Customer.from_row(row, info.context.contact_hidden))
