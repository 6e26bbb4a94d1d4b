"""The server and the crm commands stop what they started, on SIGTERM as on Ctrl-C, and recover
what a killed run left behind. Real processes on a private embedded PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from server.settings import PROJECT_ROOT

SECRET = "lifecycle-secret-" + "x" * 32


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    # Not under pytest's numbered temp folders: concurrent pytest runs prune those.
    folder = Path(tempfile.mkdtemp(prefix="crm-lifecycle-"))
    yield folder
    pid = postgres_pid(folder)
    if pid is not None:  # a failed test must not leave a server behind
        psutil.Process(pid).terminate()
        wait_gone(pid)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        if process.stdout is not None and not process.stdout.closed:
            process.communicate()  # reaps it and closes its pipe
        process.wait()


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "CRM_DATA_DIR": str(data_dir), "CRM_JWT_SECRET": SECRET, "CRM_LOG_LEVEL": "warning", **extra}


def crm(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=env_for(data_dir, **extra),
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(processes: list, data_dir: Path, *args: str, **extra: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "run", "--port", str(port), *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env_for(data_dir, **extra),
    )
    processes.append(process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return process, port
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not become ready")


def postgres_pid(data_dir: Path) -> int | None:
    """The running embedded PostgreSQL of this data folder, if any."""
    pgdata = str((data_dir / "pg").resolve())
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and pgdata in (process.info["cmdline"] or []):
            try:
                if process.ppid() == 1 or psutil.Process(process.ppid()).name() != "postgres":
                    return process.pid
            except psutil.NoSuchProcess:
                continue
    return None


def wait_gone(pid: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_sigterm_stops_the_server_and_the_embedded_postgres_and_production_prints_no_token(processes, data_dir):
    server, _ = serve(processes, data_dir, "--workers", "1", CRM_ENV="production")
    database = postgres_pid(data_dir)
    assert database is not None

    server.send_signal(signal.SIGTERM)
    output = server.communicate(timeout=60)[0]

    assert server.returncode == 128 + signal.SIGTERM
    assert wait_gone(database), "the embedded PostgreSQL outlived SIGTERM"
    # Production never seeds the demo company nor prints bearer tokens.
    assert "Demo tokens" not in output and "Seeded" not in output and "eyJ" not in output
    assert crm(data_dir, "token", "admin@demo.test").stderr.strip() == "error: No active user admin@demo.test."
    assert postgres_pid(data_dir) is None, "crm token left the embedded PostgreSQL running"


def test_production_refuses_to_seed(data_dir):
    result = crm(data_dir, "run", "--seed", CRM_ENV="production")

    assert result.returncode == 2
    assert "never seeds the demo tenant" in result.stderr
    assert postgres_pid(data_dir) is None


def test_workers_share_the_parents_database_and_sigterm_stops_them_all(processes, data_dir):
    server, _ = serve(processes, data_dir, "--workers", "2", "--no-seed")
    database = postgres_pid(data_dir)
    workers = [p for p in psutil.Process(server.pid).children() if "spawn_main" in " ".join(p.cmdline())]

    assert len(workers) == 2
    # Only the parent holds the embedded server; the workers were told its address.
    assert json.loads((data_dir / "pg" / ".handle_pids.json").read_text()) == [server.pid]

    server.send_signal(signal.SIGTERM)
    server.communicate(timeout=60)

    assert server.returncode == 0
    assert all(wait_gone(w.pid) for w in workers)
    assert wait_gone(database)


def test_a_killed_run_leaves_a_server_the_next_command_takes_over_and_stops(processes, data_dir):
    server, _ = serve(processes, data_dir, "--workers", "1", "--no-seed")
    database = postgres_pid(data_dir)
    server.kill()
    server.communicate()
    assert postgres_pid(data_dir) == database  # SIGKILL cannot clean up

    result = crm(data_dir, "migrate")

    assert result.returncode == 0, result.stderr
    assert f"left running by a process that ended without stopping it (pid {server.pid}" in result.stderr
    assert wait_gone(database)


def test_a_stale_postmaster_pid_from_a_killed_postgres_is_removed(data_dir):
    pgdata = data_dir / "pg"
    assert postgres_pid(data_dir) is None
    # A killed PostgreSQL leaves its lock file; here its pid now belongs to another program (this one).
    lines = [str(os.getpid()), str(pgdata), "1700000000", "5432", str(pgdata), "", "  0 0", "ready"]
    (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")

    result = crm(data_dir, "migrate")

    assert result.returncode == 0, result.stderr
    assert "Removed a stale postmaster.pid" in result.stderr
    assert "Database is up to date." in result.stdout
    assert postgres_pid(data_dir) is None
