"""When to try a failed delivery again: exponential backoff with jitter."""

from __future__ import annotations

import random
from datetime import timedelta

from resolvers.webhooks.config import WebhookConfig


def retry_delay(config: WebhookConfig, failures: int, rand: random.Random | None = None) -> timedelta:
    """The wait after the ``failures``-th failed attempt in a row (1, 2, ...):
    ``retry_base * 2^(failures-1)``, capped at ``retry_max``, times a random factor in [0.5, 1)."""
    ceiling = min(config.retry_base * (2 ** max(failures - 1, 0)), config.retry_max)
    factor = 0.5 + 0.5 * (rand or random).random()
    return ceiling * factor
