"""Managing a company's webhooks (admins): register, change, pause, delete, rotate the secret."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from models.db import execute, fetch, fetchrow, in_transaction
from models.sql import Sql
from models.webhooks import WebhookEventType
from resolvers import clock
from resolvers.audit import record_audit
from resolvers.errors import Errors, FieldErrorCode, NotFound
from resolvers.outbox import wake
from resolvers.webhooks import addresses, config
from resolvers.webhooks.signing import new_secret, seal

COLUMNS = "id, url, description, events, enabled, disabled_at, disabled_reason, failing_since, created_at, updated_at"
DESCRIPTION_MAX = 500
KIND = "Webhook"


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    return {"url": row["url"], "events": list(row["events"]), "description": row["description"]}


async def _check(url: str | None, events: list[WebhookEventType] | None, description: str | None) -> None:
    errors = Errors()
    if url is not None:
        try:
            await addresses.check_target(url.strip(), allow_private=config.current().allow_private)
        except addresses.RefusedUrl as exc:
            errors.add(
                "url", FieldErrorCode.NOT_ALLOWED if "resolves to" in str(exc) else FieldErrorCode.INVALID, str(exc)
            )
    if events is not None:
        if not events:
            errors.add("events", FieldErrorCode.REQUIRED, "name at least one event")
        elif len(set(events)) != len(events):
            errors.add("events", FieldErrorCode.DUPLICATE, "names an event twice")
    if description is not None and len(description) > DESCRIPTION_MAX:
        errors.add("description", FieldErrorCode.TOO_LONG, f"must be at most {DESCRIPTION_MAX} characters")
    errors.raise_if_any()


def _events(events: list[WebhookEventType]) -> list[str]:
    return [e.value for e in events]


async def list_webhooks(access: Access) -> list[dict[str, Any]]:
    access.require(P.WEBHOOK_MANAGE)
    return await fetch(
        Sql(f"SELECT {COLUMNS} FROM webhook WHERE tenant_id = %s ORDER BY created_at, id", access.principal.tenant_id)
    )


async def get_webhook(access: Access, webhook_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    access.require(P.WEBHOOK_MANAGE)
    row = await fetchrow(
        Sql(
            f"SELECT {COLUMNS} FROM webhook WHERE id = %s AND tenant_id = %s" + (" FOR UPDATE" if lock else ""),
            webhook_id,
            access.principal.tenant_id,
        )
    )
    if row is None:
        raise NotFound(KIND, str(webhook_id))
    return row


async def create_webhook(
    access: Access, url: str, events: list[WebhookEventType], description: str = ""
) -> tuple[dict[str, Any], str]:
    """The new endpoint and its secret (shown this once: only its encrypted form is kept)."""
    access.require(P.WEBHOOK_MANAGE)
    await _check(url, events, description)
    secret = new_secret()
    p = access.principal
    async with in_transaction():
        row = await fetchrow(
            Sql(
                "INSERT INTO webhook (tenant_id, url, description, events, secret, created_by_id) "
                f"VALUES (%s, %s, %s, %s::jsonb, %s, %s) RETURNING {COLUMNS}",
                p.tenant_id,
                url.strip(),
                description.strip(),
                json.dumps(_events(events)),
                seal(secret),
                p.user_id,
            )
        )
        assert row is not None
        await record_audit(access, "webhook.create", KIND, row["id"], after=_audited(row))
    return row, secret


async def update_webhook(
    access: Access,
    webhook_id: UUID,
    *,
    url: str | None = None,
    events: list[WebhookEventType] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    access.require(P.WEBHOOK_MANAGE)
    await _check(url, events, description)
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = url.strip()
    if events is not None:
        changes["events"] = json.dumps(_events(events))
    if description is not None:
        changes["description"] = description.strip()
    async with in_transaction():
        before = await get_webhook(access, webhook_id, lock=True)
        if not changes:
            return before
        casts = {"events": "::jsonb"}
        assignments = "".join(f"{col} = %s{casts.get(col, '')}, " for col in changes)
        row = await fetchrow(
            Sql(
                f"UPDATE webhook SET {assignments}updated_at = now() WHERE id = %s AND tenant_id = %s "
                f"RETURNING {COLUMNS}",
                *changes.values(),
                webhook_id,
                access.principal.tenant_id,
            )
        )
        assert row is not None
        await record_audit(access, "webhook.update", KIND, webhook_id, before=_audited(before), after=_audited(row))
    return row


async def set_enabled(access: Access, webhook_id: UUID, enabled: bool) -> dict[str, Any]:
    """Pause an endpoint (its events wait) or resume it: retries start afresh, with a new 24 hours."""
    access.require(P.WEBHOOK_MANAGE)
    now = clock.now()
    async with in_transaction():
        before = await get_webhook(access, webhook_id, lock=True)
        if before["enabled"] == enabled:
            return before
        if enabled:
            update = Sql(
                "UPDATE webhook SET enabled = TRUE, disabled_at = NULL, disabled_reason = NULL, failing_since = NULL, "
                "updated_at = now() WHERE id = %s",
                webhook_id,
            )
        else:
            update = Sql(
                "UPDATE webhook SET enabled = FALSE, disabled_at = %s, disabled_reason = %s, updated_at = now() "
                "WHERE id = %s",
                now,
                f"Disabled by {access.principal.name or 'an admin'}",
                webhook_id,
            )
        await execute(update)
        if enabled:
            await execute(
                Sql(
                    "UPDATE webhook_dispatch SET next_attempt_at = %s, first_failed_at = NULL, attempts = 0 "
                    "WHERE webhook_id = %s AND status = 'pending'",
                    now,
                    webhook_id,
                )
            )
            await wake(access)
        await record_audit(
            access, "webhook.enable" if enabled else "webhook.disable", KIND, webhook_id, details={"enabled": enabled}
        )
        return await get_webhook(access, webhook_id)


async def delete_webhook(access: Access, webhook_id: UUID) -> None:
    """Delete an endpoint with its pending events and its delivery log."""
    access.require(P.WEBHOOK_MANAGE)
    async with in_transaction():
        before = await get_webhook(access, webhook_id, lock=True)
        await execute(
            Sql("DELETE FROM webhook WHERE id = %s AND tenant_id = %s", webhook_id, access.principal.tenant_id)
        )
        await record_audit(access, "webhook.delete", KIND, webhook_id, before=_audited(before))


async def rotate_secret(access: Access, webhook_id: UUID) -> tuple[dict[str, Any], str]:
    """A new secret, in force for the next delivery; the old one stops working at once."""
    access.require(P.WEBHOOK_MANAGE)
    secret = new_secret()
    async with in_transaction():
        await get_webhook(access, webhook_id, lock=True)
        await execute(Sql("UPDATE webhook SET secret = %s, updated_at = now() WHERE id = %s", seal(secret), webhook_id))
        await record_audit(access, "webhook.rotate_secret", KIND, webhook_id)
        row = await get_webhook(access, webhook_id)
    return row, secret
