"""Tortoise models. Tables are tenant-keyed; business rules live in resolvers/."""

from models.base import Role, TenantOwned
from models.custom_fields import CustomField, CustomFieldType
from models.customers import Customer, CustomerStatus, CustomerTeam, OriginChannel
from models.duplicates import ContactKey, CustomerMerge
from models.history import CustomerEvent
from models.tags import CustomerTag, Tag
from models.teams import Team, TeamMembership
from models.tenants import Tenant
from models.users import ApiKey, User

MODEL_MODULES = [
    "models.tenants",
    "models.users",
    "models.teams",
    "models.tags",
    "models.customers",
    "models.duplicates",
    "models.history",
    "models.custom_fields",
]

__all__ = [
    "MODEL_MODULES",
    "ApiKey",
    "ContactKey",
    "CustomField",
    "CustomFieldType",
    "Customer",
    "CustomerEvent",
    "CustomerMerge",
    "CustomerStatus",
    "CustomerTag",
    "CustomerTeam",
    "OriginChannel",
    "Role",
    "Tag",
    "Team",
    "TeamMembership",
    "Tenant",
    "TenantOwned",
    "User",
]
