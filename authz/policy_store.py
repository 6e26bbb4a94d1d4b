"""The policy in force, and its reload while the server runs.

Each process polls the files' content (a hash, not the mtime: editors and ConfigMap symlink
swaps do not always move it) and swaps in a new compiled policy only when the new files pass
the check. A broken file is logged loudly and the last good policy keeps serving. Every process
polls for itself, so a fleet of servers picks a change up without coordination.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from authz.policy import CompiledPolicy, PolicyInvalid, fingerprint, load_policy

log = logging.getLogger("crm.policy")


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

    def reload_if_changed(self) -> bool:
        """Answer True when a new policy was swapped in."""
        try:
            seen = fingerprint(self.directory)
        except OSError as exc:
            log.error("POLICY NOT RELOADED: cannot read %s: %s", self.directory, exc)
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
            return False
        self.current = policy
        self.last_error = None
        log.warning("policy reloaded from %s (%s)", self.directory, policy.fingerprint[:12])
        return True

    async def watch(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            # Reading two small files is cheap; do it off the event loop anyway.
            await asyncio.to_thread(self.reload_if_changed)
