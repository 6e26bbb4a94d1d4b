"""The body of a delivery: the event, the company, and the object as the API shows it to an admin.

The object is read through the API itself (the schema layer installs a ``Presenter`` at start-up,
see schema/webhooks.py), so the payload cannot drift from what clients read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from authz.access import Access


class Presenter(Protocol):
    def global_id(self, type_name: str, pk: UUID) -> str: ...

    async def present(self, access: Access, type_name: str, pk: UUID) -> dict[str, Any] | None:
        """The object as ``access`` reads it through the API; None when it no longer exists."""
        ...


_presenter: Presenter | None = None


def install(presenter: Presenter) -> None:
    global _presenter
    _presenter = presenter


def presenter() -> Presenter:
    if _presenter is None:
        raise RuntimeError("no webhook presenter installed (schema.webhooks.install_presenter)")
    return _presenter


def event_id(pk: UUID) -> str:
    return presenter().global_id("WebhookEvent", pk)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def build_body(access: Access, event: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of ``event`` (a webhook_event row), read as ``access`` (an admin of its company)."""
    shown = presenter()
    data = await shown.present(access, event["object_type"], event["object_id"])
    body: dict[str, Any] = {
        "id": event_id(event["id"]),
        "type": event["type"],
        "occurredAt": _iso(event["created_at"]),
        "company": {
            "id": shown.global_id("Tenant", access.principal.tenant_id),
            "slug": access.principal.tenant_slug,
        },
        "data": data if data is not None else {"id": shown.global_id(event["object_type"], event["object_id"])},
    }
    if event.get("details"):
        body["details"] = {key: _shown(shown, value) for key, value in event["details"].items()}
    return body


def _shown(shown: Presenter, value: Any) -> Any:
    """A detail as the API names things: ``outbox.refs`` become global ids."""
    if isinstance(value, dict) and value.keys() == {"type", "ids"}:
        return [shown.global_id(value["type"], UUID(pk)) for pk in value["ids"]]
    return value
