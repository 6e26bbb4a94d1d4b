"""The policy in force, and its reload while the server runs.

Each process polls the files' content (a hash, not the mtime: editors and ConfigMap symlink
swaps do not always move it) and swaps in a new compiled policy only when the new files pass
the check. A broken file is logged loudly and the last good policy keeps serving. Every process
polls for itself, so a fleet of servers picks a change up without coordination; the first to
swap one in also announces it (NOTIFY crm_policy, server/change_events.py), so every other
process reads its files at once rather than at its next poll, and one whose files differ from
the announced policy (a host whose copy was not updated) says so loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from prometheus_client import Counter

from authz.policy import CompiledPolicy, PolicyInvalid, fingerprint, load_policy
from models.db import execute, in_transaction
from models.sql import Sql

log = logging.getLogger("crm.policy")

RELOADS = Counter(
    "crm_policy_reloads",
    "Changed policy files seen: swapped in (reloaded), refused by the check (refused), or unreadable.",
    ["result"],
)


_installed: PolicyStore | None = None


def install(store: PolicyStore) -> None:
    """Make ``store`` the process's policy for work done outside a request (background jobs)."""
    global _installed
    _installed = store


def current_policy() -> CompiledPolicy:
    if _installed is None:
        raise RuntimeError("no policy store is installed (the app installs one when it is created)")
    return _installed.current


class PolicyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.current: CompiledPolicy = load_policy(self.directory)
        self._last_seen = self.current.fingerprint
        self.last_error: PolicyInvalid | None = None
        self._wake = asyncio.Event()
        self._announced: str | None = None  # the fingerprint another process swapped in last
        self.recorded = self.current.fingerprint  # the last swap whose audit entries are written

    def announced(self, fingerprint: str | None) -> None:
        """Another process swapped in a policy (None: perhaps, while nobody listened): look now."""
        if fingerprint:
            self._announced = fingerprint
        self._wake.set()

    def reload_if_changed(self) -> bool:
        """Answer True when a new policy was swapped in."""
        try:
            seen = fingerprint(self.directory)
        except OSError as exc:
            log.error("POLICY NOT RELOADED: cannot read %s: %s", self.directory, exc)
            RELOADS.labels("unreadable").inc()
            return False
        if seen == self._last_seen:
            return False
        self._last_seen = seen
        try:
            policy = load_policy(self.directory)
        except PolicyInvalid as exc:
            # Log before publishing the error: whoever sees last_error set finds the log written.
            log.error(
                "POLICY REFUSED: the files in %s have %d problem(s); still serving the last good policy (%s). %s",
                self.directory,
                len(exc.problems),
                self.current.fingerprint[:12],
                " | ".join(str(p) for p in exc.problems),
            )
            self.last_error = exc
            RELOADS.labels("refused").inc()
            return False
        self.current = policy
        self.last_error = None
        RELOADS.labels("reloaded").inc()
        log.warning("policy reloaded from %s (%s)", self.directory, policy.fingerprint[:12])
        return True

    async def watch(self, interval: float) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
            previous, refused = self.current.fingerprint, self.last_error
            # Reading two small files is cheap; do it off the event loop anyway.
            if await asyncio.to_thread(self.reload_if_changed):
                reloaded = {"fingerprint": self.current.fingerprint, "previous": previous}
                await _audit("policy.reload", reloaded, f"{previous}>{self.current.fingerprint}")
                await _announce(self.current.fingerprint)
                self.recorded = self.current.fingerprint
            elif self.last_error is not None and self.last_error is not refused:
                problems = [str(p) for p in self.last_error.problems]
                refusal = {"fingerprint": self._last_seen, "serving": previous, "problems": problems}
                await _audit("policy.refuse", refusal, f"{previous}>{self._last_seen}")
            self._check_drift()

    def _check_drift(self) -> None:
        announced, self._announced = self._announced, None
        if announced and announced not in (self.current.fingerprint, self._last_seen):
            log.error(
                "POLICY DRIFT: another process serves policy %s, this one %s from %s; "
                "give every host the same policy files",
                announced[:12],
                self.current.fingerprint[:12],
                self.directory,
            )


async def _announce(fingerprint: str) -> None:
    """Tell every other process (they listen on crm_policy) to read its policy files now."""
    try:
        await execute(Sql("SELECT pg_notify('crm_policy', %s)", fingerprint))
    except Exception:  # the database is down: the others find the change at their next poll
        log.warning("could not announce the new policy to other processes", exc_info=True)


# Every process notices the same edit within a few polls: the first to record it in this window
# writes the entries, the others find them (a later edit back and forth is a new event).
_SAME_EVENT_WITHIN = "1 minute"


async def _audit(action: str, details: dict[str, Any], event: str) -> None:
    """An entry in every company's audit log, actor "system": the policy files serve every company.

    A reload or refusal is kept even when the log cannot be written (the database is down): it
    is logged above, and the watcher must keep polling."""
    try:
        async with in_transaction():
            await execute(Sql("SELECT pg_advisory_xact_lock(hashtext('audit:policy'))"))
            await execute(
                Sql(
                    "INSERT INTO audit_entry (tenant_id, actor_name, action, object_type, details) "
                    "SELECT t.id, 'system', %s, 'Policy', %s::jsonb FROM tenant t WHERE NOT EXISTS ("
                    "SELECT 1 FROM audit_entry a WHERE a.tenant_id = t.id AND a.action = %s "
                    f"AND a.details->>'event' = %s AND a.created_at > now() - interval '{_SAME_EVENT_WITHIN}')",
                    action,
                    json.dumps({**details, "event": event}),
                    action,
                    event,
                )
            )
    except Exception:
        log.exception("the audit log did not record %s", action)
