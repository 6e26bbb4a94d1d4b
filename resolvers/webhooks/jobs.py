"""The delivery job: one company's outbox, one pass (see delivery.py); safe to run twice at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from resolvers.jobs import job
from resolvers.outbox import DELIVER_JOB
from resolvers.webhooks.delivery import run_pass


# A pass that dies mid-way resumes from the database: fanned-out events and recorded attempts are
# kept, and leased dispatches become due again when their lease runs out.
@job(DELIVER_JOB, retry_after=timedelta(minutes=2), retries=3, retry_delay=timedelta(seconds=10))
async def deliver(payload: dict[str, Any]) -> None:
    await run_pass(UUID(payload["tenant_id"]))
