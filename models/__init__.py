"""Tortoise models. Tables are tenant-keyed; business rules live in resolvers/."""

from models.activities import Appointment, Note, Purchase, Task, TaskPriority, TaskStatus
from models.audit import AuditEntry
from models.base import Role, TenantOwned
from models.contracts import Contract, ContractStatus
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
from models.exports import CustomerExport, ExportChunk, ExportFormat, ExportStatus
from models.history import CustomerEvent
from models.imports import CustomerImport, ImportChunk, ImportKey, ImportMode, ImportRow, ImportStatus, RowAction
from models.integrations import CustomerExternalId, IdempotencyKey
from models.reports import ReportTemplate
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
    "models.integrations",
    "models.reports",
    "models.contracts",
    "models.webhooks",
    "models.exports",
    "models.deletion",
]

__all__ = [
    "MODEL_MODULES",
    "ApiKey",
    "Appointment",
    "AuditEntry",
    "Channel",
    "ContactKey",
    "Contract",
    "ContractStatus",
    "Conversation",
    "ConversationStatus",
    "CustomField",
    "CustomFieldType",
    "Customer",
    "CustomerDeletionRequest",
    "CustomerEvent",
    "CustomerExport",
    "CustomerExternalId",
    "CustomerImport",
    "CustomerMerge",
    "CustomerStatus",
    "CustomerTag",
    "CustomerTeam",
    "DeliveryStatus",
    "Direction",
    "ExportChunk",
    "ExportFormat",
    "ExportStatus",
    "IdempotencyKey",
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
    "ReportTemplate",
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
