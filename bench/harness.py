"""Shared bench plumbing: a database to seed, servers in subprocesses, and a load generator.

Load comes from ``wrk`` when it is installed (apt install wrk), else from a small asyncio/httpx
client; the baseline and the API are always measured with the same tool in the same run, so
their ratio is meaningful even when absolute numbers are not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET = "bench-secret-" + "b" * 40


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int = 0  # answered in the run


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


def database_url(name: str) -> str:
    from server.database import start_embedded, with_database

    base = os.environ.get("DATABASE_URL") or start_embedded(ROOT / ".data")
    return with_database(base, name)


@contextmanager
def serve(module_factory: str, port: int, env: dict[str, str]) -> Iterator[str]:
    """Run ``uvicorn --factory module_factory`` in a subprocess until the block ends."""
    with serving(module_factory, port, env) as server:
        yield server.url


@contextmanager
def serving(module_factory: str, port: int, env: dict[str, str]) -> Iterator[Server]:
    """``serve``, answering the process id too (for its CPU time)."""
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        module_factory,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, module_factory, proc)
        yield Server(url, proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


POSTGRAPHILE_DIR = ROOT / "bench" / "postgraphile"


@contextmanager
def serve_postgraphile(database: str, port: int) -> Iterator[str]:
    """PostGraphile 5 (pinned in bench/postgraphile/package.json) over ``database`` on ``port``.

    Installed from the npm registry on first use; needs Node.js 20 or newer and npm.
    """
    with serving_postgraphile(database, port) as server:
        yield server.url


@contextmanager
def serving_postgraphile(database: str, port: int) -> Iterator[Server]:
    """``serve_postgraphile``, answering the process id too."""
    if not (POSTGRAPHILE_DIR / "node_modules" / "postgraphile").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=POSTGRAPHILE_DIR, check=True)
    proc = subprocess.Popen(
        ["node", "server.mjs", str(port), database],
        cwd=POSTGRAPHILE_DIR,
        env={**os.environ, "GRAPHILE_ENV": "production"},  # what it falls back to, without the warning
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, "postgraphile", proc)
        yield Server(url, proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (all its threads); 0 when it is gone."""
    try:
        fields = _stat(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its live descendants, plus what its reaped children used."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(int(_stat(int(entry))[1]), []).append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += process_cpu_seconds(current)
        todo += children.get(current, [])
    try:
        fields = _stat(pid)
        total += (int(fields[13]) + int(fields[14])) / _TICKS  # cutime, cstime
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def _wait_healthy(url: str, what: str, proc: subprocess.Popen) -> None:
    """Until ``url`` answers /healthz; fails when the process ends first (e.g. its port is taken:
    another server there would otherwise be measured in its place)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


def free_port() -> int:
    """A TCP port nobody listens on now (benches running side by side must not share ports)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check(url: str, body: dict, headers: dict[str, str]) -> dict:
    response = httpx.post(url, json=body, headers=headers, timeout=30)
    response.raise_for_status()
    payload = response.json()
    if isinstance(payload, dict) and payload.get("errors"):
        raise RuntimeError(f"request failed: {payload['errors']}")
    return payload


def load(url: str, body: dict, headers: dict[str, str], seconds: float, connections: int) -> Result:
    if shutil.which("wrk"):
        return _wrk(url, body, headers, seconds, connections)
    return asyncio.run(_python_load(url, body, headers, seconds, connections))


def _wrk(url: str, body: dict, headers: dict[str, str], seconds: float, connections: int) -> Result:
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(body))}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines))
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError("non-2xx responses under load:\n" + out)

    def latency(pct: str) -> float:
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Result(rps, latency("50"), latency("99"), requests)


async def _python_load(url: str, body: dict, headers: dict[str, str], seconds: float, connections: int) -> Result:
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.post(url, json=body, headers=headers)
                response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)

        begun = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - begun
    latencies.sort()
    return Result(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
        len(latencies),
    )


def median_result(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        int(statistics.median(r.requests for r in results)),
    )


def report(rows: list[tuple[str, Result, float | None]]) -> None:
    print(f"\n{'scenario':<44}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs raw':>9}")
    for name, result, ratio in rows:
        ratio_text = f"{ratio:.2f}" if ratio is not None else ""
        print(f"{name:<44}{result.rps:>10.1f}{result.p50_ms:>10.2f}{result.p99_ms:>10.2f}{ratio_text:>9}")


# A scenario: (name, url, JSON body, headers). API scenarios are named "graphql ..." and their
# baseline "raw     ..." with the same rest, which is how the ratio column pairs them.
Case = tuple[str, str, dict, dict[str, str]]


def load_arguments(description: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    return parser.parse_args()


def api_env(url: str) -> dict[str, str]:
    """The API server's settings for a bench against ``url``."""
    return {"DATABASE_URL": url, "CRM_JWT_SECRET": BENCH_SECRET, "CRM_DB_POOL_MAX": "10", "CRM_LOG_LEVEL": "warning"}


@contextmanager
def api_and_baseline(url: str, port: int) -> Iterator[tuple[str, str]]:
    """The API on ``port`` and the raw asyncpg baseline on ``port + 1``, over the same database."""
    with (
        serve("server.app:app_from_env", port, api_env(url)) as api,
        serve("bench.raw_baseline:create_app", port + 1, {"BENCH_DATABASE_URL": url}) as raw,
    ):
        yield api, raw


def run_rounds(cases: list[Case], args: argparse.Namespace) -> dict[str, Result]:
    """Check every case answers, then load them in turn, round after round; medians per case."""
    for _name, target, body, headers in cases:
        check(target, body, headers)
    scenarios: dict[str, list[Result]] = {}
    for round_no in range(args.rounds):
        for name, target, body, headers in cases:
            result = load(target, body, headers, args.seconds, args.connections)
            scenarios.setdefault(name, []).append(result)
            print(f"round {round_no + 1}: {name}: {result.rps:.1f} req/s", flush=True)
    return {name: median_result(results) for name, results in scenarios.items()}


def report_against_baseline(medians: dict[str, Result], heading: str) -> None:
    rows = []
    for name, result in medians.items():
        raw_name = name.replace("graphql", "raw    ")
        rows.append((name, result, result.rps / medians[raw_name].rps if name.startswith("graphql") else None))
    print(f"\n{heading}")
    report(rows)
