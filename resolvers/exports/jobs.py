"""The export's background job: writing a large export's file (and removing expired ones)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from resolvers.exports import service
from resolvers.jobs import job

log = logging.getLogger("crm.exports")


@job(service.RUN_JOB, retry_after=timedelta(minutes=2))
async def run(payload: dict[str, Any]) -> None:
    tenant_id, export_id = UUID(payload["tenant_id"]), UUID(payload["export_id"])
    try:
        await service.run_export(tenant_id, export_id)
    except Exception as exc:
        log.exception("export %s failed", export_id)
        await service.fail_export(tenant_id, export_id, f"The export stopped unexpectedly ({type(exc).__name__}).")
        raise
