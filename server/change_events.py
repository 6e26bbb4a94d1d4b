"""What one API process learns that every other one must know, pushed by PostgreSQL NOTIFY: each
process listens on one connection of its own (reconnecting when it is lost).

- ``crm_principals``: a user, an API key, a team membership or a company's settings changed,
  whoever changed it (a request served by any process, the CLI, plain SQL; triggers of migration
  0019 send it when the change commits). Every process forgets the principals it remembers, so a
  revoked key or a deactivated user is refused from the next request on every host. Without the
  listener (while it reconnects) a remembered principal still lapses after
  ``authz.authenticate.PRINCIPAL_SECONDS``.
- ``crm_policy``: a process swapped in a new policy (its payload is the new fingerprint). Every
  process reads its policy files at once instead of at its next poll, and says so loudly when its
  own files differ (a host whose copy was not updated).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

from authz.authenticate import forget_principals
from server.database import asyncpg_params

PRINCIPALS = "crm_principals"
POLICY = "crm_policy"
RECONNECT_SECONDS = 2.0

log = logging.getLogger("crm.events")

Handlers = dict[str, Callable[[str | None], None]]


def handlers(policy_announced: Callable[[str | None], None]) -> Handlers:
    return {PRINCIPALS: lambda _: forget_principals(), POLICY: policy_announced}


async def listen(url: str, on: Handlers) -> None:
    """Call ``on[channel](payload)`` for each notification, until cancelled; reconnects on loss.

    On every (re)connection each handler is called once with None: whatever was announced while
    nobody listened is caught up with."""
    while True:
        try:
            await _listen_once(url, on)
            log.warning("the change listener lost its connection; reconnecting")
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("the change listener cannot connect (%s); retrying", exc)
        await asyncio.sleep(RECONNECT_SECONDS)


async def _listen_once(url: str, on: Handlers) -> None:
    """Listen on one connection until it is lost."""
    connection: Any = await asyncpg.connect(**asyncpg_params(url))
    try:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        for channel, handle in on.items():
            await connection.add_listener(channel, lambda *args, handle=handle: handle(args[3]))
        for handle in on.values():
            handle(None)
        await lost.wait()
    finally:
        if not connection.is_closed():
            with contextlib.suppress(Exception):
                await connection.close()
