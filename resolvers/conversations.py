"""Conversations and messages: inbound from channel integrations, outbound from users.

Delivery to the channel is out of scope here: an outbound message is recorded as queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P, Permission
from authz.errors import Forbidden
from authz.masking import contact_hidden
from authz.rows import rows_for
from models import Channel, ConversationStatus
from models.conversations import CONVERSATION, MESSAGE
from models.customers import CUSTOMER, CustomerStatus
from models.db import execute, fetch, fetchrow, fetchval, in_transaction
from models.sql import Sql
from resolvers import contact_keys, customers, templates
from resolvers.audit import record_audit, ref
from resolvers.children import ChildKind, RowsById
from resolvers.clock import past_time
from resolvers.contact import InvalidContact, normalize_email, normalize_phone
from resolvers.contact_keys import Key
from resolvers.customer_reads import reread
from resolvers.duplicates import DuplicateFound
from resolvers.errors import (
    ConversationAlreadyOpen,
    ConversationClosed,
    Errors,
    FieldErrorCode,
    NotFound,
    ValidationFailed,
)
from resolvers.handles import HANDLE_MAX, normalize_handle
from resolvers.inactivation import CustomerInactive
from resolvers.inbound_names import inbound_name
from resolvers.locate import locate_or_refuse

BODY_MAX = 20_000
MAX_START = 10
CONVERSATION_COLUMNS = CONVERSATION.select("v")
CONVERSATION_RETURNING = ", ".join(CONVERSATION.column_names)
MESSAGE_COLUMNS = MESSAGE.select("m")
MESSAGE_RETURNING = ", ".join(MESSAGE.column_names)
# A customer's conversations, the most recently active first.
CONVERSATIONS = ChildKind.of(CUSTOMER.to_many("conversations"), Sql("conversation t"))
# A conversation's messages, newest first.
MESSAGES = ChildKind.of(CONVERSATION.to_many("messages"), Sql("message t"))
CONVERSATION_ROWS = RowsById("conversations", "Conversation", "v", CONVERSATION_COLUMNS)
MESSAGE_ROWS = RowsById("messages", "Message", "m", MESSAGE_COLUMNS)
# The customer field a channel's address lives in, if any (Instagram and webchat use handles).
CHANNEL_FIELD = {Channel.WHATSAPP: "whatsapp", Channel.SMS: "phone", Channel.PHONE: "phone", Channel.EMAIL: "email"}
CONTACT_CHANNELS = frozenset(CHANNEL_FIELD)


def _body(raw: str | None, errors: Errors, field: str = "body") -> str:
    body = (raw or "").strip()
    if not body:
        errors.add(field, FieldErrorCode.REQUIRED, "a message cannot be empty")
    elif len(body) > BODY_MAX:
        errors.add(field, FieldErrorCode.TOO_LONG, f"must be at most {BODY_MAX} characters")
    return body


def _handle(channel: Channel, raw: str, region: str, errors: Errors) -> tuple[str, Key | None]:
    """The normalized address of the sender, and the contact key that finds its customer."""
    text = (raw or "").strip()
    if not text:
        errors.add("from", FieldErrorCode.REQUIRED, "is required")
        return "", None
    try:
        if channel is Channel.EMAIL:
            email = normalize_email(text)
            return email, Key("email", email)
        if channel in CONTACT_CHANNELS:
            phone = normalize_phone(text, region)
            return phone.e164, Key("phone", phone.key)
        return normalize_handle(channel, text), None
    except InvalidContact as exc:
        if channel is Channel.EMAIL:
            code = FieldErrorCode.INVALID_EMAIL
        elif channel in CONTACT_CHANNELS:
            code = FieldErrorCode.INVALID_PHONE
        else:
            code = FieldErrorCode.TOO_LONG if len(text) > HANDLE_MAX else FieldErrorCode.INVALID
        errors.add("from", code, str(exc))
        return "", None


@dataclass
class Inbound:
    message: dict[str, Any]
    conversation: dict[str, Any]
    customer: dict[str, Any]
    customer_created: bool
    duplicate: bool


class _AlreadyStored(Exception):
    def __init__(self, message_id: UUID) -> None:
        self.message_id = message_id


async def _stored(tenant_id: UUID, channel: Channel, channel_message_id: str) -> dict[str, Any] | None:
    return await fetchrow(
        Sql(
            f"SELECT {MESSAGE_COLUMNS} FROM message m WHERE m.tenant_id = %s AND m.channel = %s "
            "AND m.channel_message_id = %s",
            tenant_id,
            channel.value,
            channel_message_id,
        )
    )


async def _find_customer(tenant_id: UUID, channel: Channel, handle: str, key: Key | None) -> UUID | None:
    if key is not None:
        holders = await contact_keys.find_holders(tenant_id, [key])
        if holders:
            # With duplicates allowed several may match: the longest-standing customer wins.
            return await fetchval(
                Sql(
                    "SELECT id FROM customer WHERE id = ANY(%s::uuid[]) ORDER BY created_at, id LIMIT 1",
                    [h.customer_id for h in holders],
                )
            )
        return None
    return await fetchval(
        Sql(
            "SELECT coalesce(c.merged_into_id, c.id) FROM conversation v JOIN customer c ON c.id = v.customer_id "
            "WHERE v.tenant_id = %s AND v.channel = %s AND v.handle = %s AND c.deleted_at IS NULL "
            "ORDER BY v.last_message_at DESC LIMIT 1",
            tenant_id,
            channel.value,
            handle,
        )
    )


async def record_inbound(access: Access, data: dict[str, Any]) -> Inbound:
    """Store a message a customer sent: find its customer (or create one), then open or continue
    a conversation. The same channel message id twice is stored once."""
    access.require(P.MESSAGE_RECEIVE)
    p = access.principal
    channel = Channel(data["channel"])
    errors = Errors()
    body = _body(data.get("body"), errors)
    handle, key = _handle(channel, data.get("from") or "", p.settings.default_region, errors)
    message_id = (data.get("channelMessageId") or "").strip() or None
    if message_id and len(message_id) > 200:
        errors.add("channelMessageId", FieldErrorCode.TOO_LONG, "must be at most 200 characters")
    sent_at = past_time(data.get("sentAt"), "sentAt", errors)
    errors.raise_if_any()
    if message_id and (existing := await _stored(p.tenant_id, channel, message_id)):
        return await _describe(access, existing, duplicate=True)
    try:
        async with in_transaction():
            return await _store_inbound(access, channel, handle, key, body, message_id, sent_at, data)
    except _AlreadyStored as again:  # a concurrent delivery of the same message won the race
        existing = await fetchrow(Sql(f"SELECT {MESSAGE_COLUMNS} FROM message m WHERE m.id = %s", again.message_id))
        assert existing is not None
        return await _describe(access, existing, duplicate=True)


async def _store_inbound(
    access: Access,
    channel: Channel,
    handle: str,
    key: Key | None,
    body: str,
    message_id: str | None,
    sent_at: datetime,
    data: dict[str, Any],
) -> Inbound:
    p = access.principal
    created = False
    customer_id = await _find_customer(p.tenant_id, channel, handle, key)
    if customer_id is None:
        fields: dict[str, Any] = {
            "name": inbound_name(
                data.get("customerName"), channel, handle, p.settings.default_region, datetime.now(UTC).date()
            ),
            "originChannel": channel.value,
        }
        if channel in CHANNEL_FIELD:
            fields[CHANNEL_FIELD[channel]] = handle
        try:
            async with in_transaction():  # a savepoint: losing a creation race must not abort the message
                row, _ = await customers.create_customer(access, fields)
            customer_id, created = row["id"], True
        except DuplicateFound:
            customer_id = await _find_customer(p.tenant_id, channel, handle, key)
            if customer_id is None:
                raise
    # The open conversation on this channel, else the latest one, which the message reopens.
    conversation = await fetchrow(
        Sql(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversation v WHERE v.tenant_id = %s AND v.customer_id = %s "
            "AND v.channel = %s ORDER BY v.status = 'open' DESC, v.last_message_at DESC LIMIT 1 FOR UPDATE",
            p.tenant_id,
            customer_id,
            channel.value,
        )
    )
    if conversation is not None and conversation["status"] != ConversationStatus.OPEN:
        closed = conversation
        conversation = await fetchrow(
            Sql(
                "UPDATE conversation SET status = 'open', closed_at = NULL WHERE id = %s "
                f"RETURNING {CONVERSATION_RETURNING}",
                conversation["id"],
            )
        )
        await record_audit(
            access,
            "conversation.status",
            "Conversation",
            closed["id"],
            before={"status": ConversationStatus(closed["status"]).name},
            after={"status": ConversationStatus.OPEN.name},
            details={"reason": "inbound message"},
        )
    if conversation is None:
        conversation = await fetchrow(
            Sql(
                f"INSERT INTO conversation (tenant_id, customer_id, channel, handle, last_message_at) "
                f"VALUES (%s, %s, %s, %s, %s) RETURNING {CONVERSATION_RETURNING}",
                p.tenant_id,
                customer_id,
                channel.value,
                handle,
                sent_at,
            )
        )
    assert conversation is not None
    message = await fetchrow(
        Sql(
            f"INSERT INTO message (tenant_id, conversation_id, channel, direction, body, sent_at, status, "
            f"channel_message_id, from_inactive_customer) VALUES (%s, %s, %s, 'inbound', %s, %s, 'received', %s, "
            # Kept whatever the customer's status, and flagged when it is inactive.
            "coalesce((SELECT c.status = 'inactive' FROM customer c WHERE c.id = %s AND c.tenant_id = %s), false)) "
            "ON CONFLICT (tenant_id, channel, channel_message_id) WHERE channel_message_id IS NOT NULL DO NOTHING "
            f"RETURNING {MESSAGE_RETURNING}",
            p.tenant_id,
            conversation["id"],
            channel.value,
            body,
            sent_at,
            message_id,
            customer_id,
            p.tenant_id,
        )
    )
    if message is None:
        stored = await _stored(p.tenant_id, channel, message_id or "")
        assert stored is not None
        raise _AlreadyStored(stored["id"])
    await _touch(p.tenant_id, conversation["id"], customer_id, sent_at, outbound_by_user=False)
    return await _describe(access, message, duplicate=False, customer_created=created)


async def _touch(
    tenant_id: UUID, conversation_id: UUID, customer_id: UUID, at: datetime, *, outbound_by_user: bool
) -> None:
    """Keep lastMessageAt, lastInteractionAt and (for a user's message) lastContactedAt current.

    Not an edit of the customer: its version stays, so a form open meanwhile saves cleanly.
    """
    await execute(
        Sql(
            "UPDATE conversation SET last_message_at = greatest(last_message_at, %s) WHERE id = %s AND tenant_id = %s",
            at,
            conversation_id,
            tenant_id,
        )
    )
    contacted = ", last_contacted_at = greatest(coalesce(last_contacted_at, %s), %s)" if outbound_by_user else ""
    params = [at, at] + ([at, at] if outbound_by_user else [])
    await execute(
        Sql(
            f"UPDATE customer SET last_interaction_at = greatest(coalesce(last_interaction_at, %s), %s)"
            f"{contacted} WHERE id = %s AND tenant_id = %s",
            *params,
            customer_id,
            tenant_id,
        )
    )


async def _describe(
    access: Access, message: dict[str, Any], *, duplicate: bool, customer_created: bool = False
) -> Inbound:
    tenant = access.principal.tenant_id
    conversation = await fetchrow(
        Sql(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversation v WHERE v.id = %s AND v.tenant_id = %s",
            message["conversation_id"],
            tenant,
        )
    )
    assert conversation is not None
    customer = await reread(tenant, conversation["customer_id"])
    return Inbound(message, conversation, customer, customer_created, duplicate)


async def _conversation_for(access: Access, conversation_id: UUID, perm: Permission) -> dict[str, Any]:
    return await locate_or_refuse(
        access, "Conversation", perm, conversation_id, columns=CONVERSATION_COLUMNS, alias="v"
    )


async def reply(access: Access, conversation_id: UUID, body: str) -> dict[str, Any]:
    """A user's outbound message, queued for the channel. A closed conversation takes no reply:
    reopen it first (so closing is never undone by a stray send)."""
    access.require(P.CONVERSATION_REPLY)
    p = access.principal
    errors = Errors()
    text = _body(body, errors)
    errors.raise_if_any()
    now = datetime.now(UTC)
    async with in_transaction():
        conversation = await _conversation_for(access, conversation_id, P.CONVERSATION_REPLY)
        if conversation["status"] != ConversationStatus.OPEN:
            raise ConversationClosed(conversation)
        message = await fetchrow(
            Sql(
                f"INSERT INTO message (tenant_id, conversation_id, channel, direction, author_id, body, sent_at, status) "
                f"VALUES (%s, %s, %s, 'outbound', %s, %s, %s, 'queued') RETURNING {MESSAGE_RETURNING}",
                p.tenant_id,
                conversation_id,
                conversation["channel"],
                p.user_id,
                text,
                now,
            )
        )
        await _touch(
            p.tenant_id, conversation_id, conversation["customer_id"], now, outbound_by_user=p.user_id is not None
        )
        assert message is not None
        # Who answered and when; the text stays in the conversation (it may hold contact data).
        await record_audit(
            access,
            "conversation.reply",
            "Conversation",
            conversation_id,
            details={"message": ref("Message", message["id"])},
        )
    return message


async def set_status(access: Access, conversation_id: UUID, status: ConversationStatus) -> dict[str, Any]:
    access.require(P.CONVERSATION_REPLY)
    async with in_transaction():
        current = await _conversation_for(access, conversation_id, P.CONVERSATION_REPLY)
        if status is ConversationStatus.OPEN and current["status"] != ConversationStatus.OPEN:
            await _refuse_if_open(access, [current["customer_id"]], Channel(current["channel"]))
        row = await fetchrow(
            Sql(
                "UPDATE conversation SET status = %s, closed_at = CASE WHEN %s = 'closed' THEN now() END "
                f"WHERE id = %s RETURNING {CONVERSATION_RETURNING}",
                status.value,
                status.value,
                conversation_id,
            )
        )
        assert row is not None
        if row["status"] != current["status"]:
            await record_audit(
                access,
                "conversation.status",
                "Conversation",
                conversation_id,
                before={"status": ConversationStatus(current["status"]).name},
                after={"status": ConversationStatus(row["status"]).name},
            )
    return row


async def _refuse_if_open(access: Access, customer_ids: list[UUID], channel: Channel) -> None:
    """One open conversation per customer and channel: ConversationAlreadyOpen naming the open ones.

    Callers hold the customers' row locks (or the conversation's), so two starts cannot both pass.
    """
    rows = await fetch(
        Sql(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversation v WHERE v.tenant_id = %s "
            "AND v.customer_id = ANY(%s::uuid[]) AND v.channel = %s AND v.status = 'open' "
            "ORDER BY v.last_message_at DESC, v.id",
            access.principal.tenant_id,
            customer_ids,
            channel.value,
        )
    )
    if rows:
        raise ConversationAlreadyOpen(rows)


async def start(access: Access, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The same opening message, from a template, to up to 10 customers; all or nothing."""
    access.require(P.CONVERSATION_START)
    p = access.principal
    enabled = p.user_id is not None and await fetchval(
        Sql("SELECT can_start_conversations FROM app_user WHERE id = %s AND tenant_id = %s", p.user_id, p.tenant_id)
    )
    if not enabled:
        raise Forbidden("An admin has not enabled you to start conversations.")
    ids: list[UUID] = list(dict.fromkeys(data["customerIds"]))
    errors = Errors()
    if not ids:
        errors.add("customerIds", FieldErrorCode.REQUIRED, "name at least one customer")
    if len(ids) > MAX_START:
        errors.add("customerIds", FieldErrorCode.TOO_MANY, f"at most {MAX_START} customers at once (got {len(ids)})")
    template = await templates.get_template(p.tenant_id, data["templateId"])
    if template is None or template["archived"]:
        errors.add("templateId", FieldErrorCode.UNKNOWN, "is not an active template")
    channel_value = (template and template["channel"]) or data.get("channel")
    if channel_value is None and template is not None:
        errors.add("channel", FieldErrorCode.REQUIRED, "the template has no channel: choose one")
    team_id = data.get("teamId")
    if team_id and not await fetchval(Sql("SELECT 1 FROM team WHERE id = %s AND tenant_id = %s", team_id, p.tenant_id)):
        errors.add("teamId", FieldErrorCode.UNKNOWN, "is not a team of this company")
    elif team_id and not access.covers_team(P.CONVERSATION_REPLY, team_id):
        errors.add("teamId", FieldErrorCode.NOT_ALLOWED, "you are not a member of this team")
    errors.raise_if_any()
    assert template is not None and channel_value is not None
    channel = Channel(channel_value)
    if channel not in CHANNEL_FIELD:
        raise ValidationFailed.one(
            "channel", FieldErrorCode.NOT_ALLOWED, "conversations on this channel start from the customer's side"
        )
    address_column = {"whatsapp": "whatsapp_e164", "phone": "phone_e164", "email": "email_normalized"}[
        CHANNEL_FIELD[channel]
    ]
    variables = {k: str(v) for k, v in (data.get("variables") or {}).items()}
    now = datetime.now(UTC)
    async with in_transaction():
        rows = {
            r["id"]: r
            for r in await fetch(
                Sql(
                    "SELECT c.id, c.name, c.trade_name, c.status, c." + address_column + " AS address FROM customer c "
                    "WHERE c.id = ANY(%s::uuid[]) AND ",
                    ids,
                )
                + rows_for(access, "Customer", P.CONVERSATION_REPLY, "c")
                + Sql(" ORDER BY c.id FOR UPDATE")
            )
        }
        inactive = [pk for pk in ids if pk in rows and rows[pk]["status"] == CustomerStatus.INACTIVE]
        if inactive:  # an inactive customer is not contacted (they may still write in)
            raise CustomerInactive(inactive)
        # "The customer has no whatsapp" would tell a caller from whom contact data is hidden whether
        # a number is set: for them the message is queued all the same, and delivery fails for a
        # customer without an address as it would for a wrong one.
        check_addresses = not contact_hidden(access)
        for i, pk in enumerate(ids):
            if pk not in rows:
                raise NotFound("Customer", str(pk))
            if check_addresses and not rows[pk]["address"]:
                errors.add(
                    f"customerIds[{i}]", FieldErrorCode.REQUIRED, f"the customer has no {CHANNEL_FIELD[channel]}"
                )
        bodies = {}
        for i, pk in enumerate(ids):
            row = rows[pk]
            values = {
                "name": row["name"],
                "firstName": row["name"].split()[0],
                "tradeName": row["trade_name"] or "",
                **variables,
            }
            try:
                bodies[pk] = templates.render(template["body"], values)
            except templates.MissingValues as exc:
                errors.add("variables", FieldErrorCode.REQUIRED, f"no value for {exc} (customerIds[{i}])")
        errors.raise_if_any()
        await _refuse_if_open(access, ids, channel)
        started = []
        for pk in ids:
            conversation = await fetchrow(
                Sql(
                    "INSERT INTO conversation (tenant_id, customer_id, channel, handle, team_id, started_by_id, "
                    f"last_message_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {CONVERSATION_RETURNING}",
                    p.tenant_id,
                    pk,
                    channel.value,
                    rows[pk]["address"] or "",
                    team_id,
                    p.user_id,
                    now,
                )
            )
            assert conversation is not None
            await execute(
                Sql(
                    "INSERT INTO message (tenant_id, conversation_id, channel, direction, author_id, body, sent_at, "
                    "status, template_id) VALUES (%s, %s, %s, 'outbound', %s, %s, %s, 'queued', %s)",
                    p.tenant_id,
                    conversation["id"],
                    channel.value,
                    p.user_id,
                    bodies[pk],
                    now,
                    template["id"],
                )
            )
            await _touch(p.tenant_id, conversation["id"], pk, now, outbound_by_user=True)
            started.append(conversation)
            await record_audit(
                access,
                "conversation.start",
                "Conversation",
                conversation["id"],
                after={"channel": channel.name, "customer": ref("Customer", pk, rows[pk]["name"])},
                details={"template": ref("MessageTemplate", template["id"], template["name"])},
            )
    return started
