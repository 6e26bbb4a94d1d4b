"""Customers: the type, its inputs and results, and the customer queries and mutations."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from authz.masking import mask_row
from models import CustomerStatus as ModelCustomerStatus
from models import OriginChannel as ModelOriginChannel
from resolvers import customer_reads
from resolvers import customers as customer_ops
from resolvers.customers import Outcome
from resolvers.duplicates import DuplicateFound, DuplicateHit, OnDuplicate
from resolvers.errors import FieldErrorCode
from resolvers.errors import NotFound as NotFoundError
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.portfolios import Portfolio
from schema.context import Info
from schema.custom_values import CustomFieldCondition, CustomFieldValue, CustomFieldValueInput, custom_field_values
from schema.errors import (
    ERROR_MAPPERS,
    Error,
    NotFound,
    ValidationFailed,
    VersionConflict,
    returns_errors,
)
from schema.inputs import provided
from schema.node import Node, parse_id, to_global_id
from schema.pagination import Connection, build_connection
from schema.permissions import requires
from schema.tags import Tag
from schema.users import User

if TYPE_CHECKING:
    from schema.teams import Team

CustomerStatus = strawberry.enum(ModelCustomerStatus, name="CustomerStatus")
OriginChannel = strawberry.enum(ModelOriginChannel, name="OriginChannel", description="Where a customer came from.")


PortfolioChoice = strawberry.enum(Portfolio, name="Portfolio", description="Whose customers a list shows.")
CustomerOutcome = strawberry.enum(Outcome, name="CustomerOutcome", description="What createCustomer did.")
OnDuplicateMode = strawberry.enum(
    OnDuplicate, name="OnDuplicate", description="What createCustomer does when the customer already exists."
)


@strawberry.type
class Address:
    street: str | None
    number: str | None
    complement: str | None
    neighbourhood: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")


@strawberry.type
class Customer(Node):
    """Scalar fields are plain attributes, set once from the row: no resolver runs for them."""

    name: str
    trade_name: str | None
    email: str | None
    phone: str | None = strawberry.field(description="As typed.")
    phone_e164: str | None = strawberry.field(description="Normalized, E.164.")
    whatsapp: str | None
    whatsapp_e164: str | None
    document: str | None = strawberry.field(description="CPF or CNPJ, digits only.")
    address: Address
    status: CustomerStatus  # type: ignore[valid-type]
    origin_channel: OriginChannel  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime
    last_interaction_at: datetime | None
    last_contacted_at: datetime | None
    version: int = strawberry.field(description="Send it back as expectedVersion to detect concurrent edits.")
    contact_hidden: bool = strawberry.field(
        description="True when email, phone and WhatsApp are withheld from you (show a lock, not an empty field)."
    )
    _pk: strawberry.Private[Any]
    _owner_id: strawberry.Private[Any]
    _custom_fields: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any], hidden: bool) -> Customer:
        """The only way a customer row becomes API data: contact rules are applied here."""
        if hidden:
            row = mask_row(row)
        return cls(
            id=to_global_id("Customer", row["id"]),
            name=row["name"],
            trade_name=row["trade_name"],
            email=row["email"],
            phone=row["phone"],
            phone_e164=row["phone_e164"],
            whatsapp=row["whatsapp"],
            whatsapp_e164=row["whatsapp_e164"],
            document=row["document"],
            address=Address(
                street=row["address_street"],
                number=row["address_number"],
                complement=row["address_complement"],
                neighbourhood=row["address_neighbourhood"],
                city=row["address_city"],
                state=row["address_state"],
                postal_code=row["address_postal_code"],
                country=row["address_country"],
            ),
            status=ModelCustomerStatus(row["status"]),
            origin_channel=ModelOriginChannel(row["origin_channel"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            last_interaction_at=row["last_interaction_at"],
            last_contacted_at=row["last_contacted_at"],
            version=row["version"],
            contact_hidden=hidden,
            _pk=row["id"],
            _owner_id=row["owner_id"],
            _custom_fields=row["custom_fields"] or {},
        )

    @strawberry.field(
        name="customFields",
        description="The customer's values in the company's custom fields (archived ones aside), in display order.",
    )
    async def custom_field_values(self, info: Info) -> list[CustomFieldValue]:
        access = info.context.access
        fields = await info.context.loaders.custom_fields.load(access.principal.tenant_id)
        return custom_field_values(fields, self._custom_fields, self.contact_hidden)

    @strawberry.field(description="The seller whose portfolio holds this customer, if any.")
    async def owner(self, info: Info) -> User | None:
        if self._owner_id is None:
            return None
        row = await info.context.loaders.users.load(self._owner_id)
        return User.from_row(row) if row else None

    @strawberry.field
    async def tags(self, info: Info) -> list[Tag]:
        return [Tag.from_row(r) for r in await info.context.loaders.tags.load(self._pk)]

    @strawberry.field(description="Teams the customer is attached to; their members may see it.")
    async def teams(self, info: Info) -> list[Annotated[Team, strawberry.lazy("schema.teams")]]:
        from schema.teams import Team

        return [Team.from_row(r) for r in await info.context.loaders.customer_teams.load(self._pk)]


@strawberry.enum(description="A contact field whose value another customer already has.")
class DuplicateField(Enum):
    EMAIL = "email"
    PHONE = "phone"
    WHATSAPP = "whatsapp"


@strawberry.type
class DuplicateMatch:
    fields: list[DuplicateField] = strawberry.field(description="Which of your values matched.")
    customer: Customer | None = strawberry.field(description="The existing customer; null when you may not see it.")
    held_by_another_portfolio: bool = strawberry.field(
        description="True when the existing customer is outside what you may see (nothing else about it is told)."
    )


@strawberry.type(description="The customer already exists; nothing was written.")
class DuplicateCustomer(Error):
    matches: list[DuplicateMatch]


def duplicate_matches(hits: list[DuplicateHit], hidden: bool) -> list[DuplicateMatch]:
    return [
        DuplicateMatch(
            fields=[DuplicateField(f) for f in hit.fields],
            customer=Customer.from_row(hit.row, hidden) if hit.row else None,
            held_by_another_portfolio=hit.row is None,
        )
        for hit in hits
    ]


ERROR_MAPPERS[DuplicateFound] = lambda e, info: DuplicateCustomer(
    message=str(e), matches=duplicate_matches(e.hits, info.context.contact_hidden)
)


@strawberry.input
class AddressInput:
    street: str | None = UNSET
    number: str | None = UNSET
    complement: str | None = UNSET
    neighbourhood: str | None = UNSET
    city: str | None = UNSET
    state: str | None = UNSET
    postal_code: str | None = UNSET
    country: str | None = UNSET


@strawberry.input
class CreateCustomerInput:
    name: str
    trade_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    whatsapp: str | None = UNSET
    document: str | None = strawberry.field(default=UNSET, description="CPF or CNPJ, with or without punctuation.")
    address: AddressInput | None = UNSET
    status: CustomerStatus | None = UNSET  # type: ignore[valid-type]
    origin_channel: OriginChannel | None = UNSET  # type: ignore[valid-type]
    owner_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Responsible seller. Needs customer:assign; others create into their own portfolio."
    )
    tags: list[str] | None = UNSET
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Values by field key; null clears one."
    )
    on_duplicate: OnDuplicateMode | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="BLOCK (the default), MERGE or UPDATE; the last two need customer:update on it."
    )


@strawberry.input
class UpdateCustomerInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=UNSET, description="The version you read; a different current version answers VersionConflict."
    )
    name: str | None = UNSET
    trade_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    whatsapp: str | None = UNSET
    document: str | None = UNSET
    address: AddressInput | None = UNSET
    status: CustomerStatus | None = UNSET  # type: ignore[valid-type]
    origin_channel: OriginChannel | None = UNSET  # type: ignore[valid-type]
    owner_id: strawberry.ID | None = UNSET
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Values to change, by field key; null clears one; fields not listed keep theirs."
    )


@strawberry.input(description="Narrows a customer list; every condition given must hold.")
class CustomerFilter:
    custom_fields: list[CustomFieldCondition] | None = strawberry.field(
        default=UNSET,
        description="Conditions on custom fields (not archived ones). Phone and email fields cannot be filtered "
        "on when contact data is hidden from you.",
    )


@strawberry.input
class TagsInput:
    customer_id: strawberry.ID
    tags: list[str]


@strawberry.type
class CreateCustomerSuccess:
    customer: Customer
    outcome: CustomerOutcome = strawberry.field(  # type: ignore[valid-type]
        description="CREATED, or MERGED/UPDATED when onDuplicate folded the input into an existing customer."
    )


@strawberry.type
class UpdateCustomerSuccess:
    customer: Customer


@strawberry.type
class TagsChanged:
    customer: Customer


CreateCustomerResult = Annotated[
    CreateCustomerSuccess | ValidationFailed | DuplicateCustomer, strawberry.union("CreateCustomerResult")
]
UpdateCustomerResult = Annotated[
    UpdateCustomerSuccess | ValidationFailed | NotFound | VersionConflict | DuplicateCustomer,
    strawberry.union("UpdateCustomerResult"),
]
TagsResult = Annotated[TagsChanged | ValidationFailed | NotFound, strawberry.union("TagsResult")]


def customer_pk(value: str, field: str = "id") -> Any:
    pk = parse_id(value, "Customer")
    if pk is None:
        raise NotFoundError("Customer", value)
    return pk


def _owner_ref(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("ownerId") is not None:
        owner = parse_id(data["ownerId"], "User")
        if owner is None:
            raise InvalidInput.one("ownerId", FieldErrorCode.UNKNOWN, "is not a user id")
        data["ownerId"] = owner
    return data


@strawberry.type
class CustomerQuery:
    @strawberry.field(extensions=requires(P.CUSTOMER_READ), description="A customer you may see, else null.")
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        pk = parse_id(id, "Customer")
        if pk is None:
            return None
        row = await customer_reads.get_customer(info.context.access, pk)
        return Customer.from_row(row, info.context.contact_hidden) if row else None

    @strawberry.field(extensions=requires(P.CUSTOMER_READ), description="Customers you may see, newest first.")
    async def customers(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        search: str | None = None,
        portfolio: Annotated[
            PortfolioChoice | None,  # type: ignore[valid-type]
            strawberry.argument(description="Default: ALL when you see the whole company, else MINE."),
        ] = None,
        seller_id: Annotated[strawberry.ID | None, strawberry.argument(description="With portfolio: SELLER.")] = None,
        filter: CustomerFilter | None = None,
    ) -> Connection[Customer]:
        seller = None
        if seller_id is not None:
            seller = parse_id(seller_id, "User")
            if seller is None:
                raise InvalidInput.one("sellerId", FieldErrorCode.INVALID, "is not a user id")
        page = await customer_reads.list_customers(
            info.context.access,
            first=first,
            after=after,
            search=search,
            portfolio=portfolio,
            seller_id=seller,
            filter=provided(filter) if filter else None,
        )
        hidden = info.context.contact_hidden
        return build_connection(
            [Customer.from_row(r, hidden) for r in page.rows],
            page.cursors,
            has_next=page.has_next,
            has_previous=page.has_previous,
            total_count=page.total_count,
        )


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(extensions=requires(P.CUSTOMER_CREATE))
    @returns_errors
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CreateCustomerResult:
        data = _owner_ref(provided(input))
        mode = OnDuplicate(data.pop("onDuplicate", None) or OnDuplicate.BLOCK)
        row, outcome = await customer_ops.create_customer(info.context.access, data, mode)
        return CreateCustomerSuccess(customer=Customer.from_row(row, info.context.contact_hidden), outcome=outcome)

    @strawberry.mutation(extensions=requires(P.CUSTOMER_UPDATE))
    @returns_errors
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> UpdateCustomerResult:
        data = _owner_ref(provided(input))
        pk = customer_pk(data.pop("id"))
        expected = data.pop("expectedVersion", None)
        row = await customer_ops.update_customer(info.context.access, pk, data, expected)
        return UpdateCustomerSuccess(customer=Customer.from_row(row, info.context.contact_hidden))

    @strawberry.mutation(extensions=requires(P.CUSTOMER_TAG), description="Add tags, creating new ones by name.")
    @returns_errors
    async def add_tags(self, info: Info, input: TagsInput) -> TagsResult:
        row = await customer_ops.change_tags(info.context.access, customer_pk(input.customer_id), add=input.tags)
        return TagsChanged(customer=Customer.from_row(row, info.context.contact_hidden))

    @strawberry.mutation(extensions=requires(P.CUSTOMER_TAG))
    @returns_errors
    async def remove_tags(self, info: Info, input: TagsInput) -> TagsResult:
        row = await customer_ops.change_tags(info.context.access, customer_pk(input.customer_id), remove=input.tags)
        return TagsChanged(customer=Customer.from_row(row, info.context.contact_hidden))
