"""How a deletion code reaches the admin who asked for it: a pluggable sender, installed at start-up.

The server installs an e-mail sender when SMTP is configured (``server/notifier.py``) and this
log sender otherwise; tests install a recording double.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

log = logging.getLogger("crm.deletion")


@dataclass(frozen=True, slots=True)
class DeletionCode:
    to_email: str
    to_name: str
    code: str
    request_id: UUID
    customer_count: int
    expires_at: datetime


class Notifier(Protocol):
    async def send_deletion_code(self, message: DeletionCode) -> None: ...


class LogNotifier:
    """Development: the code goes to the server log."""

    async def send_deletion_code(self, message: DeletionCode) -> None:
        log.warning(
            "deletion code for %s (request %s, %d customers, until %s): %s",
            message.to_email,
            message.request_id,
            message.customer_count,
            message.expires_at.isoformat(),
            message.code,
        )


@dataclass
class DeletionConfig:
    notifier: Notifier
    purge_after: timedelta = timedelta(hours=48)


_config = DeletionConfig(LogNotifier())


def install(notifier: Notifier | None = None, *, purge_after: timedelta | None = None) -> DeletionConfig:
    """Set the sender and the purge delay (the server does it from its settings); answer the previous ones."""
    global _config
    previous = _config
    _config = DeletionConfig(notifier or previous.notifier, purge_after or previous.purge_after)
    return previous


def restore(config: DeletionConfig) -> None:
    global _config
    _config = config


def config() -> DeletionConfig:
    return _config
