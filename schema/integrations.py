"""What partner integrations use: customers by their id in another system, and upsertCustomer."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from resolvers import external_ids as external_id_ops
from resolvers import upsert as upsert_ops
from resolvers.errors import Errors
from schema.context import Info
from schema.custom_values import CustomFieldValueInput
from schema.customer_inputs import AddressInput
from schema.customer_mutations import _owner_ref
from schema.customer_type import Customer, CustomerStatus, OriginChannel
from schema.duplicates import DuplicateCustomer
from schema.errors import NotFound, ValidationFailed, VersionConflict, returns_errors
from schema.external_ids import ExternalIdInput
from schema.inputs import provided
from schema.permissions import requires


@strawberry.input(
    description="A customer as another system knows it: found by externalId, else by email, phone or "
    "WhatsApp (as createCustomer's onDuplicate: UPDATE), else created."
)
class UpsertCustomerInput:
    external_id: ExternalIdInput | None = strawberry.field(
        default=UNSET, description="The customer's id in the calling system; given to a created customer."
    )
    name: str | None = strawberry.field(default=UNSET, description="Required when the customer is created.")
    trade_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    whatsapp: str | None = UNSET
    document: str | None = UNSET
    address: AddressInput | None = UNSET
    status: CustomerStatus | None = UNSET
    origin_channel: OriginChannel | None = strawberry.field(
        default=UNSET, description="API by default on a customer an API key creates."
    )
    owner_id: strawberry.ID | None = UNSET
    custom_fields: list[CustomFieldValueInput] | None = UNSET
    tags: list[str] | None = strawberry.field(
        default=UNSET, description="Tags the customer gets (created when missing); an upsert never removes one."
    )


@strawberry.type
class CustomerUpserted:
    customer: Customer | None
    created: bool = strawberry.field(description="True when no customer matched and this one was created.")


UpsertCustomerResult = Annotated[
    CustomerUpserted | ValidationFailed | DuplicateCustomer | NotFound | VersionConflict,
    strawberry.union("UpsertCustomerResult"),
]


@strawberry.type
class IntegrationQuery:
    @strawberry.field(
        extensions=requires(P.CUSTOMER_READ),
        description="The customer holding this id of another system; null when none you may see does.",
    )
    async def customer_by_external_id(
        self,
        info: Info,
        system: Annotated[str, strawberry.argument(name="source", description="The system, as in ExternalId.")],
        id: str,
    ) -> Customer | None:
        # (``system`` in Python: field extensions take a positional ``source`` of their own.)
        row = await external_id_ops.customer_by_external_id(info.context.access, system, id)
        return Customer.from_row(row, info.context.contact_hidden) if row else None


@strawberry.type
class IntegrationMutation:
    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_CREATE),
        description="Create or update a customer by its external id, then by its email, phone or WhatsApp.",
    )
    @returns_errors
    async def upsert_customer(self, info: Info, input: UpsertCustomerInput) -> UpsertCustomerResult | None:
        data = _owner_ref(provided(input))
        external = None
        if "externalId" in data:
            errors = Errors()
            pairs = external_id_ops.clean_pairs([data.pop("externalId") or {}], errors, field="externalId")
            errors.raise_if_any()
            external = pairs[0]
        row, created = await upsert_ops.upsert_customer(info.context.access, external, data)
        return CustomerUpserted(customer=Customer.from_row(row, info.context.contact_hidden), created=created)
