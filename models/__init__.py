"""Tortoise models. Tables are tenant-keyed; business rules live in resolvers/."""

from models.activities import Appointment, Note, Purchase, Task, TaskPriority, TaskStatus
from models.audit import AuditEntry
from models.base import Role, TenantOwned
from models.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    DeliveryStatus,
    Direction,
    Message,
    MessageTemplate,
)
from models.custom_fields import CustomField, CustomFieldType
from models.customers import Customer, CustomerStatus, CustomerTeam, OriginChannel
from models.deletion import CustomerDeletionRequest
from models.duplicates import ContactKey, CustomerMerge
from models.history import CustomerEvent
from models.imports import CustomerImport, ImportChunk, ImportKey, ImportMode, ImportRow, ImportStatus, RowAction
from models.saved_filters import SavedFilter
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
    "models.activities",
    "models.conversations",
    "models.custom_fields",
    "models.saved_filters",
    "models.imports",
    "models.audit",
    "models.deletion",
]

__all__ = [
    "MODEL_MODULES",
    "ApiKey",
    "Appointment",
    "AuditEntry",
    "Channel",
    "ContactKey",
    "Conversation",
    "ConversationStatus",
    "CustomField",
    "CustomFieldType",
    "Customer",
    "CustomerDeletionRequest",
    "CustomerEvent",
    "CustomerImport",
    "CustomerMerge",
    "CustomerStatus",
    "CustomerTag",
    "CustomerTeam",
    "DeliveryStatus",
    "Direction",
    "ImportChunk",
    "ImportKey",
    "ImportMode",
    "ImportRow",
    "ImportStatus",
    "Message",
    "MessageTemplate",
    "Note",
    "OriginChannel",
    "Purchase",
    "Role",
    "RowAction",
    "SavedFilter",
    "Tag",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "Team",
    "TeamMembership",
    "Tenant",
    "TenantOwned",
    "User",
]
