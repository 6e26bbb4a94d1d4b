"""Real ``crm run`` processes for the scale-out tests: started on a free port against a given
database, ready once /readyz answers, killed by the fixture that started them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from server.settings import PROJECT_ROOT

TOKEN_LINE = re.compile(r"^\s+(admin|supervisor|seller)\s+\S+\s+(\S+)$", re.MULTILINE)


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    log: Path  # everything it printed (demo tokens in development, then uvicorn's log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text()

    def tokens(self) -> dict[str, str]:
        return dict(TOKEN_LINE.findall(self.output()))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(database_url: str, *args: str, seconds: float = 60, **env: str) -> Server:
    """``crm run`` against ``database_url``; answers once it is ready (its banner read)."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CRM_LOG_LEVEL": "warning",
        "CRM_INPROCESS_WORKER": "false",
        **env,
    }
    # Output to a file, not a pipe: a pipe nobody reads would block the server once full.
    log = tempfile.NamedTemporaryFile("w+", prefix="crm-server-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "run", "--port", str(port), *args],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    server = Server(process, port, Path(log.name))
    log.close()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, server.output()
        try:
            with urllib.request.urlopen(f"{server.url}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not become ready:\n" + server.output())


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    print(server.output())  # pytest shows it when the test failed
    server.log.unlink(missing_ok=True)
