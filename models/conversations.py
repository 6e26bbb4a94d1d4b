"""Conversations with customers over a channel, their messages, and message templates."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from models.base import TenantOwned
from models.descriptors import Column, Entity, OrderKey, ToMany, ToOne, register


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"
    EMAIL = "email"
    WEBCHAT = "webchat"
    PHONE = "phone"
    SMS = "sms"


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class DeliveryStatus(StrEnum):
    RECEIVED = "received"  # inbound, stored
    QUEUED = "queued"  # outbound, waiting for the channel to send it
    SENT = "sent"
    FAILED = "failed"


class Conversation(TenantOwned):
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    channel = fields.CharEnumField(Channel, max_length=16)
    # The customer's address on the channel: a phone number, an email, an Instagram handle.
    handle = fields.CharField(max_length=254, default="", db_default="")
    status = fields.CharEnumField(ConversationStatus, max_length=8, default=ConversationStatus.OPEN, db_default="open")
    team: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Team", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    started_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    last_message_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "conversation"


class Message(TenantOwned):
    conversation: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Conversation", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    channel = fields.CharEnumField(Channel, max_length=16)
    direction = fields.CharEnumField(Direction, max_length=8)
    author: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    body = fields.TextField()
    sent_at = fields.DatetimeField()
    status = fields.CharEnumField(DeliveryStatus, max_length=8)
    # The channel's own id for the message: delivering it twice stores it once.
    channel_message_id = fields.CharField(max_length=200, null=True)
    # An inbound message that arrived while its customer was inactive: kept, and shown flagged.
    from_inactive_customer = fields.BooleanField(default=False, db_default=False)
    template: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.MessageTemplate", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )

    class Meta:
        table = "message"


class MessageTemplate(TenantOwned):
    name = fields.CharField(max_length=120)
    body = fields.TextField()
    channel = fields.CharEnumField(Channel, max_length=16, null=True)
    archived = fields.BooleanField(default=False, db_default=False)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )

    class Meta:
        table = "message_template"
        unique_together = (("tenant", "name"),)


CONVERSATION = register(
    Entity(
        "Conversation",
        "conversation",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column(None, "customer_id", "uuid", nullable=False),
            Column("channel", "channel", "enum", nullable=False, enum=Channel),
            # The customer's address on the channel: contact data whatever the channel.
            Column("handle", "handle", "string", contact=True, empty_is_null=True),
            Column("status", "status", "enum", nullable=False, enum=ConversationStatus),
            Column(None, "team_id", "uuid"),
            Column(None, "started_by_id", "uuid"),
            Column("lastMessageAt", "last_message_at", "datetime", nullable=False),
            Column("closedAt", "closed_at", "datetime"),
            Column("createdAt", "created_at", "datetime", nullable=False),
        ),
        (
            ToOne("customer", "Customer", "customer_id"),
            ToOne("startedBy", "User", "started_by_id"),
            ToOne("team", "Team", "team_id"),
            ToMany(
                "messages",
                "Message",
                "conversation_id",
                (OrderKey("{t}.sent_at", True, "timestamptz", "sent_at"), OrderKey("{t}.id", True, "uuid", "id")),
                tag="messages",
            ),
        ),
    )
)
MESSAGE_TEMPLATE = register(
    Entity(
        "MessageTemplate",
        "message_template",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column("name", "name", "string", nullable=False),
            Column("body", "body", "string", nullable=False),
            Column("channel", "channel", "enum", enum=Channel),
            Column("archived", "archived", "bool", nullable=False),
            Column(None, "created_by_id", "uuid"),
            Column(None, "created_at", "datetime", nullable=False),
        ),
    )
)
MESSAGE = register(
    Entity(
        "Message",
        "message",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column(None, "conversation_id", "uuid", nullable=False),
            Column("channel", "channel", "enum", nullable=False, enum=Channel),
            Column("direction", "direction", "enum", nullable=False, enum=Direction),
            Column(None, "author_id", "uuid"),
            Column("body", "body", "string", nullable=False),
            Column("sentAt", "sent_at", "datetime", nullable=False),
            Column("status", "status", "enum", nullable=False, enum=DeliveryStatus),
            Column("channelMessageId", "channel_message_id", "string"),
            Column("fromInactiveCustomer", "from_inactive_customer", "bool", nullable=False),
            Column(None, "template_id", "uuid"),
            Column(None, "created_at", "datetime", nullable=False),
        ),
        (ToOne("author", "User", "author_id"),),
    )
)
