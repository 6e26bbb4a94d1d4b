"""How webhooks are delivered: timeouts, the retry schedule and the address rules (set by the server)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta


@dataclass(frozen=True)
class WebhookConfig:
    # Private, loopback, link-local, multicast and reserved addresses: refused in production.
    allow_private: bool = True
    # Derives the key that encrypts endpoint secrets at rest (the server passes its signing secret).
    secret_key: str = "development-only-webhook-key"
    timeout: timedelta = timedelta(seconds=10)
    # The wait after the n-th failed attempt is retry_base * 2^(n-1), at most retry_max, times a
    # random factor in [0.5, 1) (jitter, so endpoints coming back are not hit by every retry at once).
    retry_base: timedelta = timedelta(seconds=30)
    retry_max: timedelta = timedelta(hours=1)
    # An event failing this long is given up; an endpoint failing this long is disabled.
    give_up_after: timedelta = timedelta(hours=24)
    # Dispatches one claim of the delivery job takes at once (each heads its own customer's line).
    batch: int = 50
    # Events (with their delivery attempts) are kept this long once nothing waits on them.
    retention: timedelta = timedelta(days=30)


CONFIG = WebhookConfig()


def configure(**changes: object) -> WebhookConfig:
    """Replace some settings (the server at start-up; tests for a fast schedule). Answers the old ones."""
    global CONFIG
    old = CONFIG
    CONFIG = replace(CONFIG, **changes)  # type: ignore[arg-type]
    return old


def current() -> WebhookConfig:
    return CONFIG
