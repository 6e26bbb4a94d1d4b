"""Webhooks: admins register endpoints, see what was sent to them, and send events again."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import orjson
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_nullable_type,
)

from authz.access import Access
from authz.catalogue import P
from models.webhooks import WebhookEventType
from resolvers.errors import NotFound as Missing
from resolvers.webhooks import deliveries as delivery_ops
from resolvers.webhooks import payloads
from resolvers.webhooks import service as webhook_ops
from schema.context import Context, Info
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.node import parse_id, to_global_id
from schema.pagination import Connection, build_connection, paged
from schema.permissions import requires

log = logging.getLogger("crm.webhooks")

WebhookEventTypeEnum = strawberry.enum(WebhookEventType, name="WebhookEventType")


@strawberry.type(description="An endpoint that receives the company's events, signed with its secret.")
class Webhook:
    id: strawberry.ID
    url: str
    description: str
    events: list[WebhookEventTypeEnum]
    enabled: bool
    disabled_at: datetime | None = strawberry.field(description="When it was disabled (by an admin or by failures).")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled.")
    failing_since: datetime | None = strawberry.field(
        description="Since when every delivery failed; after 24 hours of failures the endpoint is disabled."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Webhook:
        return cls(
            id=to_global_id("Webhook", row["id"]),
            url=row["url"],
            description=row["description"],
            events=[WebhookEventType(e) for e in row["events"]],
            enabled=row["enabled"],
            disabled_at=row["disabled_at"],
            disabled_reason=row["disabled_reason"],
            failing_since=row["failing_since"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@strawberry.type(description="One attempt to deliver an event to an endpoint.")
class WebhookDelivery:
    id: strawberry.ID
    webhook_id: strawberry.ID
    event_id: strawberry.ID = strawberry.field(description="The event's id, as sent in X-CRM-Webhook-Id.")
    event_type: WebhookEventTypeEnum
    attempt: int = strawberry.field(description="1 for the first try of a (re)delivery, then 2, 3...")
    status_code: int | None = strawberry.field(description="The endpoint's HTTP status; null when none came back.")
    latency_ms: int
    error: str | None = strawberry.field(description="Why the attempt failed; null when it succeeded.")
    succeeded: bool
    at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> WebhookDelivery:
        return cls(
            id=to_global_id("WebhookDelivery", row["id"]),
            webhook_id=to_global_id("Webhook", row["webhook_id"]),
            event_id=to_global_id("WebhookEvent", row["event_id"]),
            event_type=WebhookEventType(row["event_type"]),
            attempt=row["attempt"],
            status_code=row["status_code"],
            latency_ms=row["latency_ms"],
            error=row["error"],
            succeeded=row["succeeded"],
            at=row["created_at"],
        )


def webhook_pk(value: str) -> UUID:
    pk = parse_id(value, "Webhook")
    if pk is None:
        raise Missing("Webhook", value)
    return pk


@strawberry.input
class CreateWebhookInput:
    url: str = strawberry.field(description="http or https; in production, only public addresses.")
    events: list[WebhookEventTypeEnum]
    description: str = ""


@strawberry.input(description="Give only what changes.")
class UpdateWebhookInput:
    id: strawberry.ID
    url: str | None = None
    events: list[WebhookEventTypeEnum] | None = None
    description: str | None = None


@strawberry.input
class WebhookIdInput:
    id: strawberry.ID


@strawberry.input(description="Give a deliveryId (send again to that endpoint) or an eventId (to every endpoint).")
class RedeliverWebhookEventInput:
    delivery_id: strawberry.ID | None = None
    event_id: strawberry.ID | None = None


@strawberry.type
class WebhookSuccess:
    webhook: Webhook | None


@strawberry.type(description="The secret is shown this once; keep it to verify signatures.")
class WebhookSecretSuccess:
    webhook: Webhook | None
    secret: str


@strawberry.type
class DeleteWebhookSuccess:
    deleted_id: strawberry.ID


@strawberry.type
class RedeliverWebhookEventSuccess:
    queued: int = strawberry.field(description="How many deliveries were queued.")


CreateWebhookResult = Annotated[WebhookSecretSuccess | ValidationFailed, strawberry.union("CreateWebhookResult")]
WebhookResult = Annotated[WebhookSuccess | ValidationFailed | NotFound, strawberry.union("WebhookResult")]
WebhookSecretResult = Annotated[WebhookSecretSuccess | NotFound, strawberry.union("WebhookSecretResult")]
DeleteWebhookResult = Annotated[DeleteWebhookSuccess | NotFound, strawberry.union("DeleteWebhookResult")]
RedeliverWebhookEventResult = Annotated[
    RedeliverWebhookEventSuccess | NotFound, strawberry.union("RedeliverWebhookEventResult")
]


@strawberry.type
class WebhookQuery:
    @strawberry.field(extensions=requires(P.WEBHOOK_MANAGE), description="The company's webhooks.")
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.from_row(r) for r in await webhook_ops.list_webhooks(info.context.access)]

    @strawberry.field(
        extensions=[*paged(), *requires(P.WEBHOOK_MANAGE)],
        description="Delivery attempts, newest first: of one webhook (null for an unknown one), or of all.",
    )
    async def webhook_deliveries(
        self, info: Info, webhook_id: strawberry.ID | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[WebhookDelivery] | None:
        pk = None
        if webhook_id is not None:
            pk = parse_id(webhook_id, "Webhook")
            if pk is None:
                return None
        try:
            page = await delivery_ops.list_deliveries(info.context.access, pk, first=first, after=after)
        except Missing:
            return None
        return build_connection(
            [WebhookDelivery.from_row(r) for r in page.rows],
            page.cursors,
            has_next=page.has_next,
            has_previous=bool(after),
            total_count=page.total_count,
        )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(extensions=requires(P.WEBHOOK_MANAGE), description="Register an endpoint.")
    @returns_errors
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreateWebhookResult | None:
        row, secret = await webhook_ops.create_webhook(
            info.context.access, input.url, list(input.events), input.description
        )
        return WebhookSecretSuccess(webhook=Webhook.from_row(row), secret=secret)

    @strawberry.mutation(extensions=requires(P.WEBHOOK_MANAGE))
    @returns_errors
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> WebhookResult | None:
        row = await webhook_ops.update_webhook(
            info.context.access,
            webhook_pk(input.id),
            url=input.url,
            events=None if input.events is None else list(input.events),
            description=input.description,
        )
        return WebhookSuccess(webhook=Webhook.from_row(row))

    @strawberry.mutation(extensions=requires(P.WEBHOOK_MANAGE), description="Pause an endpoint; its events wait.")
    @returns_errors
    async def disable_webhook(self, info: Info, input: WebhookIdInput) -> WebhookResult | None:
        row = await webhook_ops.set_enabled(info.context.access, webhook_pk(input.id), False)
        return WebhookSuccess(webhook=Webhook.from_row(row))

    @strawberry.mutation(
        extensions=requires(P.WEBHOOK_MANAGE), description="Resume an endpoint; waiting events are sent."
    )
    @returns_errors
    async def enable_webhook(self, info: Info, input: WebhookIdInput) -> WebhookResult | None:
        row = await webhook_ops.set_enabled(info.context.access, webhook_pk(input.id), True)
        return WebhookSuccess(webhook=Webhook.from_row(row))

    @strawberry.mutation(extensions=requires(P.WEBHOOK_MANAGE))
    @returns_errors
    async def delete_webhook(self, info: Info, input: WebhookIdInput) -> DeleteWebhookResult | None:
        await webhook_ops.delete_webhook(info.context.access, webhook_pk(input.id))
        return DeleteWebhookSuccess(deleted_id=input.id)

    @strawberry.mutation(
        extensions=requires(P.WEBHOOK_MANAGE), description="A new secret, shown once; the old one stops at once."
    )
    @returns_errors
    async def rotate_webhook_secret(self, info: Info, input: WebhookIdInput) -> WebhookSecretResult | None:
        row, secret = await webhook_ops.rotate_secret(info.context.access, webhook_pk(input.id))
        return WebhookSecretSuccess(webhook=Webhook.from_row(row), secret=secret)

    @strawberry.mutation(extensions=requires(P.WEBHOOK_MANAGE), description="Send an event again.")
    @returns_errors
    async def redeliver_webhook_event(
        self, info: Info, input: RedeliverWebhookEventInput
    ) -> RedeliverWebhookEventResult | None:
        delivery_id = parse_id(input.delivery_id, "WebhookDelivery") if input.delivery_id else None
        event_id = parse_id(input.event_id, "WebhookEvent") if input.event_id else None
        if delivery_id is None and event_id is None:
            raise Missing("WebhookDelivery", input.delivery_id or input.event_id)
        queued = await delivery_ops.redeliver(info.context.access, delivery_id=delivery_id, event_id=event_id)
        return RedeliverWebhookEventSuccess(queued=queued)


# --- payloads: the object as the API shows it to an admin --------------------------------


def _selection(object_type: GraphQLObjectType, depth: int = 0) -> str:
    """Every field of the type a client can select without arguments: scalars and enums, and the
    objects and lists of objects it holds (one level down, their scalars); connections are left
    out: an event is about one object, not the pages hanging off it."""
    parts = []
    for name, field in object_type.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined for arg in field.args.values()):
            continue
        kind = get_nullable_type(field.type)
        if isinstance(kind, GraphQLList):
            kind = get_nullable_type(kind.of_type)
        if isinstance(kind, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif isinstance(kind, GraphQLObjectType) and depth < MAX_DEPTH and not kind.name.endswith("Connection"):
            inner = _selection(kind, depth + 1)
            if inner:
                parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


MAX_DEPTH = 1


class ApiPresenter:
    """Reads an event's object with a ``node(id)`` query through the schema the API serves."""

    def __init__(self, schema: strawberry.Schema) -> None:
        self.schema = schema
        self._queries: dict[str, str] = {}

    def global_id(self, type_name: str, pk: UUID) -> str:
        return str(to_global_id(type_name, pk))

    def query(self, type_name: str) -> str:
        if type_name not in self._queries:
            object_type = self.schema._schema.get_type(type_name)
            if not isinstance(object_type, GraphQLObjectType):
                raise ValueError(f"no object type {type_name!r} to present")
            self._queries[type_name] = (
                f"query WebhookPayload($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {_selection(object_type)} }} }} }}"
            )
        return self._queries[type_name]

    async def present(self, access: Access, type_name: str, pk: UUID) -> dict[str, Any] | None:
        result = await self.schema.execute(
            self.query(type_name),
            variable_values={"id": self.global_id(type_name, pk)},
            context_value=Context(request=None, _access=access),
            operation_name="WebhookPayload",
        )
        if result.errors:
            log.warning("webhook payload of %s %s: %s", type_name, pk, [e.message for e in result.errors])
        # The compiled read path answers JSON built by PostgreSQL (an orjson.Fragment): decode it.
        data = result.data if isinstance(result.data, dict | None) else orjson.loads(orjson.dumps(result.data))
        node = (data or {}).get("node")
        return node or None


def install_presenter(schema: strawberry.Schema) -> None:
    """Build webhook payloads with this schema (the server calls it once at start-up)."""
    payloads.install(ApiPresenter(schema))
