"""Every API process forgets the principals it remembers as soon as a user, an API key, a team
membership or a company's settings change anywhere: triggers (migration 0019) send
``NOTIFY crm_principals`` when such a change commits, from a request of any process, the CLI or
plain SQL, and each process listens on a connection of its own.

Without the listener (its connection lost, while it reconnects) a remembered principal still
lapses after ``authz.authenticate.PRINCIPAL_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from authz.authenticate import forget_principals
from server.database import asyncpg_params

CHANNEL = "crm_principals"
RECONNECT_SECONDS = 2.0

log = logging.getLogger("crm.auth")


async def listen(url: str) -> None:
    """Forget remembered principals on each notification, until cancelled; reconnects on loss."""
    while True:
        try:
            await _listen_once(url)
            log.warning("the principal change listener lost its connection; reconnecting")
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("the principal change listener cannot connect (%s); retrying", exc)
        await asyncio.sleep(RECONNECT_SECONDS)


async def _listen_once(url: str) -> None:
    """Listen on one connection until it is lost."""
    connection: Any = await asyncpg.connect(**asyncpg_params(url))
    try:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        await connection.add_listener(CHANNEL, lambda *_: forget_principals())
        forget_principals()  # whatever changed while nobody listened
        await lost.wait()
    finally:
        if not connection.is_closed():
            with contextlib.suppress(Exception):
                await connection.close()
