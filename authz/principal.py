from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from models import Role


@dataclass(frozen=True, slots=True)
class TenantSettings:
    default_region: str = "BR"
    allow_duplicates: bool = False
    restricted_visibility: bool = True
    hide_contact_from_sellers: bool = False
    required_fields: tuple[str, ...] = ("name",)  # API names of standard customer fields


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking. Built by the server from a verified credential, never from client input."""

    tenant_id: UUID
    tenant_slug: str
    role: Role
    user_id: UUID | None  # None for an API key that does not act as a user
    team_ids: tuple[UUID, ...] = ()
    settings: TenantSettings = field(default_factory=TenantSettings)
    api_key_id: UUID | None = None
    name: str = ""
    email: str | None = None
