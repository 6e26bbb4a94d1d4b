"""Conversations, messages and message templates."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from authz.catalogue import P
from authz.masking import channel_handle
from models import Channel as ModelChannel
from models import ConversationStatus as ModelConversationStatus
from models import DeliveryStatus as ModelDeliveryStatus
from models import Direction as ModelDirection
from models.conversations import CONVERSATION, MESSAGE
from resolvers import conversations as conversation_ops
from resolvers import errors as domain_errors
from resolvers import templates as template_ops
from resolvers import users as user_ops
from resolvers.errors import FieldErrorCode
from resolvers.errors import ValidationFailed as InvalidInput
from schema.context import Info
from schema.errors import ERROR_MAPPERS, Error, NotFound, ValidationFailed, returns_errors
from schema.inputs import provided
from schema.lifecycle_errors import CustomerInactive
from schema.node import Node, to_global_id
from schema.pagination import Connection, build_connection, paged
from schema.permissions import requires
from schema.refs import CustomerRef, customer_from_row, load_customer, load_user, pk_of
from schema.row_values import row_values
from schema.teams import Team
from schema.users import User

Channel = strawberry.enum(ModelChannel, name="Channel")
ConversationStatus = strawberry.enum(ModelConversationStatus, name="ConversationStatus")
Direction = strawberry.enum(ModelDirection, name="Direction")
DeliveryStatus = strawberry.enum(ModelDeliveryStatus, name="DeliveryStatus")


@strawberry.type
class Message(Node):
    channel: Channel
    direction: Direction
    body: str
    sent_at: datetime
    status: DeliveryStatus = strawberry.field(
        description="RECEIVED for inbound; QUEUED until the channel integration sends it."
    )
    channel_message_id: str | None
    from_inactive_customer: bool = strawberry.field(
        description="An inbound message that arrived while its customer was inactive (kept, and flagged for review)."
    )
    _author: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Message:
        return cls(
            **row_values(MESSAGE, cls, row),
            _author=row["author_id"],
        )

    @strawberry.field(description="The user who wrote an outbound message.")
    async def author(self, info: Info) -> User | None:
        return await load_user(info, self._author)


@strawberry.type
class Conversation(Node):
    channel: Channel
    status: ConversationStatus
    last_message_at: datetime
    closed_at: datetime | None
    created_at: datetime
    _handle: strawberry.Private[str]
    _pk: strawberry.Private[Any]
    _customer: strawberry.Private[Any]
    _team: strawberry.Private[Any]
    _started_by: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Conversation:
        return cls(
            **row_values(CONVERSATION, cls, row),
            _handle=row["handle"],
            _pk=row["id"],
            _customer=row["customer_id"],
            _team=row["team_id"],
            _started_by=row["started_by_id"],
        )

    @strawberry.field(
        description="The customer's address on the channel (phone number, email, Instagram username, webchat "
        "visitor id): contact data on every channel, so null when contact data is hidden from you."
    )
    def handle(self, info: Info) -> str | None:
        return channel_handle(self._handle, info.context.contact_hidden) or None

    @strawberry.field(description="Newest first.", extensions=paged())
    async def messages(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Message] | None:
        page = await info.context.loaders.pages(conversation_ops.MESSAGES).load((self._pk, first, after))
        return build_connection(
            [Message.from_row(r) for r in page.rows],
            page.cursors,
            has_next=page.has_next,
            has_previous=page.has_previous,
            total_count=lambda: info.context.loaders.counts(conversation_ops.MESSAGES).load((self._pk,)),
        )

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)

    @strawberry.field
    async def started_by(self, info: Info) -> User | None:
        return await load_user(info, self._started_by)

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        if self._team is None:
            return None
        row = await info.context.loaders.teams.load(self._team)
        return Team.from_row(row) if row else None


@strawberry.type
class MessageTemplate(Node):
    name: str
    body: str
    channel: Channel | None
    archived: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> MessageTemplate:
        return cls(
            id=to_global_id("MessageTemplate", row["id"]),
            name=row["name"],
            body=row["body"],
            channel=ModelChannel(row["channel"]) if row["channel"] else None,
            archived=row["archived"],
        )

    @strawberry.field(description="The {{names}} the body uses; name, firstName and tradeName are filled per customer.")
    def placeholders(self) -> list[str]:
        return template_ops.placeholders(self.body)


@strawberry.input
class RecordInboundMessageInput:
    channel: Channel
    from_: str = strawberry.field(name="from", description="The sender: a phone number, email or channel handle.")
    body: str
    channel_message_id: str | None = strawberry.field(
        default=UNSET, description="The channel's id for the message; delivering it again stores nothing new."
    )
    sent_at: datetime | None = UNSET
    customer_name: str | None = strawberry.field(
        default=UNSET,
        description="Used when a customer is created. Without one, or when it is itself a phone number, email or "
        'the handle, the customer is named after the channel and day, e.g. "WhatsApp contact 4 Dec 2026".',
    )


@strawberry.type
class InboundMessageRecorded:
    # Not "message": Error.message is a String, and clients select both in one union.
    received: Message | None
    conversation: Conversation | None
    customer: CustomerRef | None
    customer_created: bool
    duplicate: bool = strawberry.field(description="True when this channel message id was already stored.")


@strawberry.input
class ReplyInput:
    conversation_id: strawberry.ID
    body: str


@strawberry.type
class MessageSent:
    sent: Message | None


@strawberry.input
class ConversationStatusInput:
    conversation_id: strawberry.ID
    status: ConversationStatus


@strawberry.type
class ConversationChanged:
    conversation: Conversation | None


@strawberry.input
class StartConversationInput:
    customer_ids: list[strawberry.ID] = strawberry.field(description=f"At most {conversation_ops.MAX_START}.")
    template_id: strawberry.ID
    variables: JSON | None = strawberry.field(default=UNSET, description="Values for the template's placeholders.")
    team_id: strawberry.ID | None = UNSET
    channel: Channel | None = strawberry.field(default=UNSET, description="Needed when the template has no channel.")


@strawberry.type
class ConversationsStarted:
    conversations: list[Conversation | None]


@strawberry.input
class MessageTemplateInput:
    name: str
    body: str
    channel: Channel | None = UNSET


@strawberry.input
class UpdateMessageTemplateInput:
    id: strawberry.ID
    name: str | None = UNSET
    body: str | None = UNSET
    channel: Channel | None = UNSET
    archived: bool | None = UNSET


@strawberry.type
class MessageTemplateSaved:
    template: MessageTemplate | None


@strawberry.input
class ConversationAccessInput:
    user_id: strawberry.ID
    enabled: bool


@strawberry.type
class UserChanged:
    user: User | None


@strawberry.type(description="The conversation is closed and takes no reply: reopen it first. Nothing was written.")
class ConversationClosed(Error):
    conversation: Conversation


@strawberry.type(
    description="A conversation on this channel is already open with the customer(s): continue it. Nothing was written."
)
class ConversationAlreadyOpen(Error):
    conversations: list[Conversation | None]  # as in ConversationsStarted, so one selection serves both


ERROR_MAPPERS[domain_errors.ConversationClosed] = lambda e, _: ConversationClosed(
    message=str(e), conversation=Conversation.from_row(e.conversation)
)
ERROR_MAPPERS[domain_errors.ConversationAlreadyOpen] = lambda e, _: ConversationAlreadyOpen(
    message=str(e), conversations=[Conversation.from_row(r) for r in e.conversations]
)

InboundResult = Annotated[InboundMessageRecorded | ValidationFailed, strawberry.union("InboundResult")]
ReplyResult = Annotated[MessageSent | ConversationClosed | ValidationFailed | NotFound, strawberry.union("ReplyResult")]
ConversationResult = Annotated[
    ConversationChanged | ConversationAlreadyOpen | NotFound, strawberry.union("ConversationResult")
]
StartResult = Annotated[
    ConversationsStarted | ConversationAlreadyOpen | ValidationFailed | NotFound | CustomerInactive,
    strawberry.union("StartResult"),
]
TemplateResult = Annotated[MessageTemplateSaved | ValidationFailed | NotFound, strawberry.union("TemplateResult")]
UserResult = Annotated[UserChanged | NotFound, strawberry.union("UserResult")]


@strawberry.type
class ConversationQuery:
    @strawberry.field(extensions=requires(P.TEMPLATE_READ))
    async def message_templates(self, info: Info, include_archived: bool = False) -> list[MessageTemplate]:
        rows = await template_ops.list_templates(info.context.access, include_archived=include_archived)
        return [MessageTemplate.from_row(r) for r in rows]


@strawberry.type
class ConversationMutation:
    @strawberry.mutation(
        extensions=requires(P.MESSAGE_RECEIVE),
        description="For channel integrations: store a message a customer sent, finding or creating the customer.",
    )
    @returns_errors
    async def record_inbound_message(self, info: Info, input: RecordInboundMessageInput) -> InboundResult | None:
        data = provided(input)
        data["from"] = input.from_
        found = await conversation_ops.record_inbound(info.context.access, data)
        return InboundMessageRecorded(
            received=Message.from_row(found.message),
            conversation=Conversation.from_row(found.conversation),
            customer=customer_from_row(found.customer, info.context.contact_hidden),
            customer_created=found.customer_created,
            duplicate=found.duplicate,
        )

    @strawberry.mutation(extensions=requires(P.CONVERSATION_REPLY), description="Queue an answer in a conversation.")
    @returns_errors
    async def reply_to_conversation(self, info: Info, input: ReplyInput) -> ReplyResult | None:
        row = await conversation_ops.reply(
            info.context.access, pk_of(input.conversation_id, "Conversation"), input.body
        )
        return MessageSent(sent=Message.from_row(row))

    @strawberry.mutation(extensions=requires(P.CONVERSATION_REPLY), description="Close or reopen a conversation.")
    @returns_errors
    async def set_conversation_status(self, info: Info, input: ConversationStatusInput) -> ConversationResult | None:
        row = await conversation_ops.set_status(
            info.context.access, pk_of(input.conversation_id, "Conversation"), ModelConversationStatus(input.status)
        )
        return ConversationChanged(conversation=Conversation.from_row(row))

    @strawberry.mutation(
        extensions=requires(P.CONVERSATION_START),
        description="Send one template's opening message to up to 10 customers (users an admin enabled).",
    )
    @returns_errors
    async def start_conversation(self, info: Info, input: StartConversationInput) -> StartResult | None:
        data = provided(input)
        if data.get("variables") is not None and not isinstance(data["variables"], dict):
            raise InvalidInput.one("variables", FieldErrorCode.INVALID, "must be an object of names to values")
        data["customerIds"] = [pk_of(v, "Customer", f"customerIds[{i}]") for i, v in enumerate(input.customer_ids)]
        data["templateId"] = pk_of(input.template_id, "MessageTemplate", "templateId")
        if data.get("teamId"):
            data["teamId"] = pk_of(data["teamId"], "Team", "teamId")
        rows = await conversation_ops.start(info.context.access, data)
        return ConversationsStarted(conversations=[Conversation.from_row(r) for r in rows])

    @strawberry.mutation(extensions=requires(P.TEMPLATE_MANAGE))
    @returns_errors
    async def create_message_template(self, info: Info, input: MessageTemplateInput) -> TemplateResult | None:
        row = await template_ops.save_template(info.context.access, None, provided(input))
        return MessageTemplateSaved(template=MessageTemplate.from_row(row))

    @strawberry.mutation(extensions=requires(P.TEMPLATE_MANAGE), description="Edit or archive a template.")
    @returns_errors
    async def update_message_template(self, info: Info, input: UpdateMessageTemplateInput) -> TemplateResult | None:
        data = provided(input)
        row = await template_ops.save_template(info.context.access, pk_of(data.pop("id"), "MessageTemplate"), data)
        return MessageTemplateSaved(template=MessageTemplate.from_row(row))

    @strawberry.mutation(extensions=requires(P.USER_MANAGE), description="Allow a user to start conversations.")
    @returns_errors
    async def set_conversation_access(self, info: Info, input: ConversationAccessInput) -> UserResult | None:
        row = await user_ops.set_conversation_access(info.context.access, pk_of(input.user_id, "User"), input.enabled)
        return UserChanged(user=User.from_row(row))
