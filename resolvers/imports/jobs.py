"""The import's background jobs: dry run, run and revert. Each is resumable (see runner.py)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from resolvers.imports import revert, runner
from resolvers.imports.errors import UnreadableFile
from resolvers.imports.service import PLAN_JOB, REVERT_JOB, RUN_JOB
from resolvers.jobs import job

log = logging.getLogger("crm.imports")


def _ids(payload: dict[str, Any]) -> tuple[UUID, UUID]:
    return UUID(payload["tenant_id"]), UUID(payload["import_id"])


async def _failing(payload: dict[str, Any], run: Any) -> None:
    tenant_id, import_id = _ids(payload)
    try:
        await run(tenant_id, import_id)
    except runner.Interrupted:
        raise  # as if the worker died: the import stays as it was, to be resumed
    except UnreadableFile as exc:
        # A row past the ones checked at upload cannot be read: the user's to fix, not a crash to retry.
        log.info("import %s stopped: %s", import_id, exc.message)
        await runner.fail(tenant_id, import_id, exc.message)
    except Exception as exc:
        log.exception("import %s failed", import_id)
        await runner.fail(tenant_id, import_id, f"The import stopped unexpectedly ({type(exc).__name__}).")
        raise


@job(PLAN_JOB, retry_after=timedelta(minutes=2))
async def plan(payload: dict[str, Any]) -> None:
    await _failing(payload, runner.run_plan)


@job(RUN_JOB, retry_after=timedelta(minutes=2))
async def run(payload: dict[str, Any]) -> None:
    await _failing(payload, runner.run_import)


@job(REVERT_JOB, retry_after=timedelta(minutes=2))
async def revert_job(payload: dict[str, Any]) -> None:
    await _failing(payload, revert.run_revert)
