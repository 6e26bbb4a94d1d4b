"""Contracts on a customer: the type and its mutations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from models.contracts import CONTRACT
from models.contracts import ContractStatus as ModelContractStatus
from resolvers import contracts as contract_ops
from schema.context import Info
from schema.errors import NotFound, ValidationFailed, VersionConflict, returns_errors
from schema.inputs import provided
from schema.lifecycle_errors import CustomerInactive
from schema.node import Node
from schema.permissions import requires
from schema.refs import CustomerRef, load_customer, load_user, pk_of
from schema.row_values import row_values
from schema.users import User

ContractStatus = strawberry.enum(
    ModelContractStatus,
    name="ContractStatus",
    description="ACTIVE and PENDING_ADJUSTMENT (terms being renegotiated) are running; ENDED is over.",
)


@strawberry.type
class Contract(Node):
    title: str
    status: ContractStatus
    starts_on: date
    ends_on: date | None
    value: Decimal | None = strawberry.field(description="Exact, as a decimal string.")
    notes: str
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    version: int = strawberry.field(description="Send it back as expectedVersion to detect concurrent edits.")
    _created_by: strawberry.Private[Any]
    _customer: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Contract:
        return cls(
            **row_values(CONTRACT, cls, row),
            _created_by=row["created_by_id"],
            _customer=row["customer_id"],
        )

    @strawberry.field
    async def created_by(self, info: Info) -> User | None:
        return await load_user(info, self._created_by)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


@strawberry.input
class CreateContractInput:
    customer_id: strawberry.ID
    title: str
    starts_on: date
    ends_on: date | None = UNSET
    status: ContractStatus | None = strawberry.field(
        default=UNSET, description="ACTIVE (the default) or PENDING_ADJUSTMENT."
    )
    value: Decimal | None = UNSET
    notes: str | None = UNSET


@strawberry.input
class UpdateContractInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=UNSET, description="The version you read; a different current version answers VersionConflict."
    )
    title: str | None = UNSET
    status: ContractStatus | None = strawberry.field(
        default=UNSET, description="ACTIVE or PENDING_ADJUSTMENT; end a contract with endContract."
    )
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET
    value: Decimal | None = UNSET
    notes: str | None = UNSET


@strawberry.input
class EndContractInput:
    id: strawberry.ID
    ends_on: date | None = strawberry.field(
        default=UNSET, description="Defaults to today (or the end date already set, when it has passed)."
    )
    expected_version: int | None = UNSET


@strawberry.type
class ContractSuccess:
    contract: Contract | None


CreateContractResult = Annotated[
    ContractSuccess | ValidationFailed | NotFound | CustomerInactive, strawberry.union("CreateContractResult")
]
ContractResult = Annotated[
    ContractSuccess | ValidationFailed | NotFound | VersionConflict, strawberry.union("ContractResult")
]


@strawberry.type
class ContractMutation:
    @strawberry.mutation(extensions=requires(P.CONTRACT_WRITE), description="Record a contract with a customer.")
    @returns_errors
    async def create_contract(self, info: Info, input: CreateContractInput) -> CreateContractResult | None:
        data = provided(input)
        row = await contract_ops.create_contract(info.context.access, pk_of(data.pop("customerId"), "Customer"), data)
        return ContractSuccess(contract=Contract.from_row(row))

    @strawberry.mutation(extensions=requires(P.CONTRACT_WRITE))
    @returns_errors
    async def update_contract(self, info: Info, input: UpdateContractInput) -> ContractResult | None:
        data = provided(input)
        pk = pk_of(data.pop("id"), "Contract")
        expected = data.pop("expectedVersion", None)
        row = await contract_ops.update_contract(info.context.access, pk, data, expected)
        return ContractSuccess(contract=Contract.from_row(row))

    @strawberry.mutation(extensions=requires(P.CONTRACT_WRITE), description="Mark a contract ENDED.")
    @returns_errors
    async def end_contract(self, info: Info, input: EndContractInput) -> ContractResult | None:
        data = provided(input)
        row = await contract_ops.end_contract(
            info.context.access, pk_of(input.id, "Contract"), data.get("endsOn"), data.get("expectedVersion")
        )
        return ContractSuccess(contract=Contract.from_row(row))
