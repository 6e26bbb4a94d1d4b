"""What customer lists and customer mutations take: sort, filter and the customer inputs."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry import UNSET

from resolvers.customer_filters import StatusFilter
from resolvers.customer_reads import SortField
from resolvers.duplicates import OnDuplicate
from resolvers.errors import FieldErrorCode
from resolvers.errors import ValidationFailed as InvalidInput
from resolvers.kinds import a_kind
from resolvers.portfolios import Portfolio
from schema.custom_values import CustomFieldCondition, CustomFieldValueInput
from schema.customer_type import CustomerStatus, OriginChannel
from schema.external_ids import ExternalIdInput
from schema.node import parse_id, to_global_id

CustomerSortField = strawberry.enum(
    SortField,
    name="CustomerSortField",
    description="RELEVANCE applies to name searches (the default then); otherwise CREATED_AT is the default.",
)


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input
class CustomerSort:
    field: CustomerSortField
    direction: SortDirection = SortDirection.ASC


PortfolioChoice = strawberry.enum(Portfolio, name="Portfolio", description="Whose customers a list shows.")
OnDuplicateMode = strawberry.enum(
    OnDuplicate, name="OnDuplicate", description="What createCustomer does when the customer already exists."
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
    document: str | None = strawberry.field(
        default=UNSET, description="CPF or CNPJ (numeric or alphanumeric), with or without punctuation."
    )
    address: AddressInput | None = UNSET
    status: CustomerStatus | None = UNSET
    origin_channel: OriginChannel | None = UNSET
    owner_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Responsible seller. Needs customer:assign; others create into their own portfolio."
    )
    tags: list[str] | None = UNSET
    billing_parent_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Another customer of the company, billed instead of this one (a head office)."
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Values by field key; null clears one."
    )
    on_duplicate: OnDuplicateMode | None = strawberry.field(
        default=UNSET, description="BLOCK (the default), MERGE or UPDATE; the last two need customer:update on it."
    )
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=UNSET, description="The customer's ids in other systems (each unique in the company for its source)."
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
    status: CustomerStatus | None = UNSET
    origin_channel: OriginChannel | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    billing_parent_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Another customer billed instead of this one; null clears it. Loops are refused."
    )
    custom_fields: list[CustomFieldValueInput] | None = strawberry.field(
        default=UNSET, description="Values to change, by field key; null clears one; fields not listed keep theirs."
    )
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=UNSET,
        description="Ids in other systems: for each source listed, the customer's ids there become these; "
        "its ids in other sources stay.",
    )


StatusChoice = strawberry.enum(
    StatusFilter, name="StatusFilter", description="ACTIVE (the default), INACTIVE, or ANY for both."
)


@strawberry.input(description="Customers holding any / all / none of these tags (tag ids).")
class TagCondition:
    any_of: list[strawberry.ID] | None = UNSET
    all_of: list[strawberry.ID] | None = UNSET
    none_of: list[strawberry.ID] | None = UNSET


@strawberry.input(description="From (inclusive) and/or to (exclusive).")
class TimeRange:
    from_: datetime | None = strawberry.field(name="from", default=UNSET)
    to: datetime | None = UNSET


@strawberry.input(description="Narrows a customer list; every condition given must hold.")
class CustomerFilter:
    tags: TagCondition | None = UNSET
    origin_channels: list[OriginChannel] | None = UNSET
    status: StatusChoice | None = strawberry.field(
        default=UNSET, description="Lists show ACTIVE customers unless asked otherwise."
    )
    created_between: TimeRange | None = UNSET
    last_interaction_between: TimeRange | None = UNSET
    last_contacted_between: TimeRange | None = UNSET
    portfolio: PortfolioChoice | None = strawberry.field(
        default=UNSET, description="As the list's portfolio argument (use one or the other)."
    )
    seller_id: strawberry.ID | None = UNSET
    team_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Customers attached to any of these teams."
    )
    has_open_tasks: bool | None = UNSET
    custom_fields: list[CustomFieldCondition] | None = strawberry.field(
        default=UNSET,
        description="Conditions on custom fields (not archived ones). Phone and email fields cannot be filtered "
        "on when contact data is hidden from you.",
    )


# Where a filter names records, by global id type.
FILTER_IDS = {("tags", "anyOf"): "Tag", ("tags", "allOf"): "Tag", ("tags", "noneOf"): "Tag", ("teamIds",): "Team"}


def filter_from_api(data: dict[str, Any]) -> dict[str, Any]:
    """The filter with global ids turned into uuids (text), as resolvers and saved filters keep it."""
    out = {**data}
    if isinstance(out.get("tags"), dict):
        out["tags"] = {**out["tags"]}
    for path, type_name in FILTER_IDS.items():
        holder = out if len(path) == 1 else out.get(path[0])
        key = path[-1]
        if not isinstance(holder, dict) or not holder.get(key):
            continue
        values = []
        for i, value in enumerate(holder[key]):
            pk = parse_id(value, type_name)
            if pk is None:
                raise InvalidInput.one(
                    f"filter.{'.'.join(path)}[{i}]", FieldErrorCode.INVALID, f"is not {a_kind(type_name)} id"
                )
            values.append(str(pk))
        holder[key] = values
    if out.get("sellerId"):
        seller = parse_id(out["sellerId"], "User")
        if seller is None:
            raise InvalidInput.one("filter.sellerId", FieldErrorCode.INVALID, "is not a user id")
        out["sellerId"] = str(seller)
    return out


def filter_to_api(data: dict[str, Any]) -> dict[str, Any]:
    """A stored filter with its uuids turned back into the global ids clients use."""
    out = {**data}
    if isinstance(out.get("tags"), dict):
        out["tags"] = {**out["tags"]}
    for path, type_name in FILTER_IDS.items():
        holder = out if len(path) == 1 else out.get(path[0])
        key = path[-1]
        if isinstance(holder, dict) and holder.get(key):
            holder[key] = [to_global_id(type_name, UUID(v)) for v in holder[key]]
    if out.get("sellerId"):
        out["sellerId"] = to_global_id("User", UUID(out["sellerId"]))
    return out


@strawberry.input
class TagsInput:
    customer_id: strawberry.ID
    tags: list[str]
