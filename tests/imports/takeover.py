"""Loaded into a test's second `crm worker` (``--import tests.imports.takeover``): a worker's heartbeat
timeout is the shortest ``retry_after`` of its handlers, so this one takes over a killed worker's
import after a second instead of the two minutes import jobs allow in production."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from resolvers.jobs import job


@job("test.takeover", retry_after=timedelta(seconds=1))
async def never_queued(payload: dict[str, Any]) -> None:
    return None
