"""Webhook delivery set up from the settings, in API processes and `crm worker` alike."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from resolvers.webhooks import config
from schema.webhooks import install_presenter
from server.settings import Settings


def setup_webhooks(settings: Settings, schema: strawberry.Schema) -> None:
    config.configure(
        allow_private=bool(settings.webhooks_allow_private),
        secret_key=settings.signing_secret(),
        timeout=timedelta(seconds=settings.webhook_timeout_seconds),
        retry_base=timedelta(seconds=settings.webhook_retry_base_seconds),
        retry_max=timedelta(seconds=settings.webhook_retry_max_seconds),
        give_up_after=timedelta(hours=settings.webhook_give_up_hours),
    )
    install_presenter(schema)
