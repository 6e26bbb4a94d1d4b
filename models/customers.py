from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise.fields.db_defaults import Now, SqlDefault

from models.base import TenantOwned
from models.descriptors import Column, Entity, OrderKey, SortBy, ToMany, ToOne, register


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class OriginChannel(StrEnum):
    MANUAL = "manual"
    API = "api"
    IMPORT = "import"
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    EMAIL = "email"
    WEBCHAT = "webchat"
    PHONE = "phone"
    SMS = "sms"
    ECOMMERCE = "ecommerce"
    REFERRAL = "referral"
    OTHER = "other"


class Customer(TenantOwned):
    name = fields.CharField(max_length=200)
    trade_name = fields.CharField(max_length=200, null=True)
    # Contact data is kept as typed and in a normalized form used for matching.
    email = fields.CharField(max_length=254, null=True)
    email_normalized = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=40, null=True)
    phone_e164 = fields.CharField(max_length=20, null=True)
    whatsapp = fields.CharField(max_length=40, null=True)
    whatsapp_e164 = fields.CharField(max_length=20, null=True)
    document = fields.CharField(max_length=14, null=True)  # CPF or CNPJ, upper case, no punctuation
    address_street = fields.CharField(max_length=200, null=True)
    address_number = fields.CharField(max_length=20, null=True)
    address_complement = fields.CharField(max_length=100, null=True)
    address_neighbourhood = fields.CharField(max_length=100, null=True)
    address_city = fields.CharField(max_length=100, null=True)
    address_state = fields.CharField(max_length=50, null=True)
    address_postal_code = fields.CharField(max_length=20, null=True)
    address_country = fields.CharField(max_length=2, null=True)
    status = fields.CharEnumField(CustomerStatus, max_length=16, default=CustomerStatus.ACTIVE, db_default="active")
    origin_channel = fields.CharField(max_length=32, default="manual", db_default="manual")
    owner: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    owner_id: UUID | None  # the columns behind relations, set by Tortoise
    billing_parent: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Customer", null=True, related_name=False, on_delete=fields.SET_NULL
    )
    custom_fields: fields.JSONField[dict[str, Any]] = fields.JSONField(
        default=dict, db_default=SqlDefault("'{}'::jsonb")
    )
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    updated_at = fields.DatetimeField(auto_now=True, db_default=Now())
    last_interaction_at = fields.DatetimeField(null=True)
    last_contacted_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1, db_default=1)
    # Lower-cased, accent-free name and trade name, for trigram search.
    search_text = fields.TextField(default="", db_default="")
    # A merged-away customer is a tombstone pointing at the customer it was merged into.
    merged_into: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Customer", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    merged_into_id: UUID | None
    merged_at = fields.DatetimeField(null=True)
    # A deleted customer is hidden from every read at once (authz/rows.py) and purged, with every
    # row that belonged to it, once ``purge_after`` passes; until then an admin may restore it.
    deleted_at = fields.DatetimeField(null=True)
    purge_after = fields.DatetimeField(null=True)
    deleted_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    # The contact keys released on deletion ([customer id, kind, value, exclusive]), re-claimed on restore.
    released_keys: fields.JSONField[list[Any] | None] = fields.JSONField(null=True)

    class Meta:
        table = "customer"


class CustomerTeam(TenantOwned):
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    team: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Team", related_name=False, on_delete=fields.CASCADE
    )

    class Meta:
        table = "customer_team"
        unique_together = (("tenant", "customer", "team"),)


NEWEST_FIRST = (OrderKey("{t}.created_at", True, "timestamptz", "created_at"), OrderKey("{t}.id", True, "uuid", "id"))


def _address(api: str, sort: SortBy | None = None) -> Column:
    column = f"address_{'postal_code' if api == 'postalCode' else api}"
    return Column(api, column, "string", tracked=True, group="address", sort=sort, merge="address")


def _time_sort(column: str) -> SortBy:
    """A time that may be missing sorts as the earliest possible (last in descending order)."""
    return SortBy(column, f"coalesce({{t}}.{column}, '-infinity'::timestamptz)", "timestamptz")


# How lists sort by a column (``CustomerSortField``): never NULL, for keyset pagination, unless
# ``empty_last``. Names sort by the folded name alone (not the trade name after it), in byte order.
_BY_NAME = SortBy("name", '{t}.name_sort COLLATE "C"')
_BY_TRADE_NAME = SortBy("trade_name", "{t}.trade_name_sort", empty_last=True)
_BY_EMAIL = SortBy("email", "{t}.email_normalized", empty_last=True)
_BY_CITY = SortBy("city", "{t}.city_sort", empty_last=True)
_BY_OWNER = SortBy(
    "owner", "(SELECT crm_fold(u.name) FROM app_user u WHERE u.id = {t}.owner_id AND u.tenant_id = {t}.tenant_id)", empty_last=True
)  # fmt: skip

# One line a column; ``merge`` names the field a merge takes it under, ``filter`` the list filter on it.
_COLUMNS = (
    Column("id", "id", "id", nullable=False),
    Column(None, "tenant_id", "uuid", nullable=False),
    Column("name", "name", "string", tracked=True, nullable=False, merge="name", sort=_BY_NAME),
    Column("tradeName", "trade_name", "string", tracked=True, merge="tradeName", sort=_BY_TRADE_NAME),
    Column("email", "email", "string", contact=True, tracked=True, merge="email", sort=_BY_EMAIL),
    Column(None, "email_normalized", "string", contact=True, merge="email"),
    Column("phone", "phone", "string", contact=True, tracked=True, merge="phone"),
    Column("phoneE164", "phone_e164", "string", contact=True, merge="phone"),
    Column("whatsapp", "whatsapp", "string", contact=True, tracked=True, merge="whatsapp"),
    Column("whatsappE164", "whatsapp_e164", "string", contact=True, merge="whatsapp"),
    Column("document", "document", "string", tracked=True, merge="document"),
    *(_address(a) for a in ("street", "number", "complement", "neighbourhood")),
    _address("city", _BY_CITY),
    *(_address(a) for a in ("state", "postalCode", "country")),
    Column("status", "status", "enum", tracked=True, nullable=False, enum=CustomerStatus, sort=SortBy("status", "{t}.status")),
    Column("originChannel", "origin_channel", "enum", tracked=True, nullable=False, enum=OriginChannel, merge="originChannel", filter="originChannels"),
    Column(None, "owner_id", "uuid", tracked=True, merge="owner", sort=_BY_OWNER),
    Column(None, "billing_parent_id", "uuid", tracked=True, merge="billingParent"),
    Column(None, "custom_fields", "json", tracked=True, nullable=False),
    Column(None, "created_by_id", "uuid"),
    Column("createdAt", "created_at", "datetime", nullable=False, filter="createdBetween", sort=SortBy("created_at", "{t}.created_at", "timestamptz")),
    Column("updatedAt", "updated_at", "datetime", nullable=False),
    Column("lastInteractionAt", "last_interaction_at", "datetime", filter="lastInteractionBetween", sort=_time_sort("last_interaction_at")),
    Column("lastContactedAt", "last_contacted_at", "datetime", filter="lastContactedBetween", sort=_time_sort("last_contacted_at")),
    Column("version", "version", "int", nullable=False),
)  # fmt: skip

CUSTOMER = register(
    Entity(
        "Customer",
        "customer",
        _COLUMNS,
        (
            ToOne("owner", "User", "owner_id"),
            ToOne("billingParent", "Customer", "billing_parent_id"),
            ToMany(
                "tags",
                "Tag",
                "customer_id",
                (OrderKey("{t}.name_key", False, "text", "name_key"),),
                through=("customer_tag", "customer_id", "tag_id"),
                connection=False,
                default_first=None,
            ),
            ToMany(
                "teams",
                "Team",
                "customer_id",
                (OrderKey("{t}.name", False, "text", "name"),),
                through=("customer_team", "customer_id", "team_id"),
                connection=False,
                default_first=None,
            ),
            ToMany(
                "externalIds",
                "ExternalId",
                "customer_id",
                (
                    OrderKey("{t}.source", False, "text", "source"),
                    OrderKey("{t}.external_id", False, "text", "external_id"),
                ),
                connection=False,
                default_first=None,
            ),
            ToMany("notes", "Note", "customer_id", NEWEST_FIRST, tag="notes"),
            ToMany("lastNote", "Note", "customer_id", NEWEST_FIRST, connection=False, default_first=None, limit=1),
            ToMany(
                "tasks",
                "Task",
                "customer_id",
                (
                    OrderKey("coalesce({t}.due_at, 'infinity'::timestamptz)", False, "timestamptz", "due_sort"),
                    OrderKey("{t}.id", False, "uuid", "id"),
                ),
                tag="tasks",
                filters=(("status", "status"),),
            ),
            ToMany(
                "openTasks",
                "Task",
                "customer_id",
                (
                    OrderKey("coalesce({t}.due_at, 'infinity'::timestamptz)", False, "timestamptz", "due_sort"),
                    OrderKey("{t}.id", False, "uuid", "id"),
                ),
                where="{t}.status = 'open'",
                connection=False,
                default_first=None,
                limit=100,
            ),
            ToMany(
                "conversations",
                "Conversation",
                "customer_id",
                (
                    OrderKey("{t}.last_message_at", True, "timestamptz", "last_message_at"),
                    OrderKey("{t}.id", True, "uuid", "id"),
                ),
                tag="conversations",
            ),
            ToMany(
                "lastConversation",
                "Conversation",
                "customer_id",
                (
                    OrderKey("{t}.last_message_at", True, "timestamptz", "last_message_at"),
                    OrderKey("{t}.id", True, "uuid", "id"),
                ),
                connection=False,
                default_first=None,
                limit=1,
            ),
            ToMany(
                "appointments",
                "Appointment",
                "customer_id",
                (OrderKey("{t}.starts_at", True, "timestamptz", "starts_at"), OrderKey("{t}.id", True, "uuid", "id")),
                tag="appointments",
            ),
            ToMany(
                "purchases",
                "Purchase",
                "customer_id",
                (
                    OrderKey("{t}.occurred_at", True, "timestamptz", "occurred_at"),
                    OrderKey("{t}.id", True, "uuid", "id"),
                ),
                tag="purchases",
            ),
            ToMany("contracts", "Contract", "customer_id", NEWEST_FIRST, tag="contracts"),
            # Customers that name this one as their billing parent (billed to it).
            ToMany("billedCustomers", "Customer", "billing_parent_id", NEWEST_FIRST, tag="billedCustomers"),
        ),
        groups={"address": "Address"},
    )
)
