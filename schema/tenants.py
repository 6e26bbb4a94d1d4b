"""The caller's company and its settings."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from models.tenants import TENANT
from resolvers import tenants as tenant_ops
from resolvers.customer_fields import STANDARD_FIELDS
from schema.context import Info
from schema.errors import ValidationFailed, returns_errors
from schema.inputs import provided
from schema.lifecycle_errors import InactivationBlockerKind
from schema.node import Node
from schema.permissions import requires
from schema.row_values import row_values


@strawberry.type
class TenantSettings:
    default_region: str = strawberry.field(description="Region for phone numbers typed without a country code.")
    allow_duplicates: bool = strawberry.field(description="Let customers share a phone, WhatsApp or email.")
    restricted_visibility: bool
    hide_contact_from_sellers: bool
    required_fields: list[str] = strawberry.field(
        description="Standard customer fields every create and update must leave filled (always includes name); "
        "mark them in forms. Required custom fields are flagged on their definitions."
    )
    inactivation_blockers: list[str] = strawberry.field(
        description="InactivationBlockerKind values: what keeps a customer from being inactivated (by default "
        "OPEN_CONVERSATIONS and ACTIVE_CONTRACTS)."
    )


@strawberry.type
class Tenant(Node):
    slug: str
    name: str
    settings: TenantSettings

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Tenant:
        return cls(**row_values(TENANT, cls, row, groups={"settings": TenantSettings}))


@strawberry.input
class UpdateTenantSettingsInput:
    default_region: str | None = UNSET
    allow_duplicates: bool | None = UNSET
    restricted_visibility: bool | None = UNSET
    hide_contact_from_sellers: bool | None = UNSET
    required_fields: list[str] | None = strawberry.field(
        default=UNSET,
        description="Any of: " + ", ".join(STANDARD_FIELDS) + ". name is always required; phones are stored in "
        "E.164, so requiring phone requires country code, area code and number.",
    )
    inactivation_blockers: list[InactivationBlockerKind] | None = strawberry.field(
        default=UNSET, description="The kinds of record that keep a customer from being inactivated; [] for none."
    )


@strawberry.type
class UpdateTenantSettingsSuccess:
    tenant: Tenant | None


UpdateTenantSettingsResult = Annotated[
    UpdateTenantSettingsSuccess | ValidationFailed, strawberry.union("UpdateTenantSettingsResult")
]


@strawberry.type
class TenantQuery:
    @strawberry.field(extensions=requires(), description="Your company and its settings.")
    async def tenant(self, info: Info) -> Tenant:
        return Tenant.from_row(await tenant_ops.get_tenant(info.context.access))


@strawberry.type
class TenantMutation:
    @strawberry.mutation(extensions=requires(P.TENANT_UPDATE), description="Change company settings (admins).")
    @returns_errors
    async def update_tenant_settings(
        self, info: Info, input: UpdateTenantSettingsInput
    ) -> UpdateTenantSettingsResult | None:
        row = await tenant_ops.update_settings(info.context.access, provided(input))
        return UpdateTenantSettingsSuccess(tenant=Tenant.from_row(row))
