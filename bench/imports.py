"""Customer import end to end against a plain COPY of the same rows, and a worker's memory on a big file.

    python -m bench.imports                      # 100,000 rows, 3 interleaved rounds
    python -m bench.imports --rows 20000 --rounds 5
    python -m bench.imports --memory --memory-rows 1000000   # dry run of a 1M-row CSV in a worker
    python -m bench.imports --floor                          # the per-row check alone, on one core

Each round imports a file of realistic Brazilian rows (accented names, phones in mixed formats,
some without the ninth digit, CPFs, tags, a select custom field; 10% of the rows update customers
the company already has, 2% are errors) in upsert mode, end to end through the engine: upload
(the file stored in PostgreSQL), dry run and run, both by a `crm worker` process started for the
round. The same file is also COPYed into a staging table in the same round; the two alternate
which goes first. Printed: rows/s of each, their ratio, the worker's peak RSS (VmHWM), and the
CPU seconds the worker and the database's server processes spent on the import (dry run and
run), with medians over the rounds. The machine is shared: compare wall-clock figures within a
run, never across runs; the CPU seconds depend less on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from tortoise.context import TortoiseContext

from bench.harness import ROOT, database_url
from bench.seed import migrate_bench
from server.database import asyncpg_params, tortoise_config

DATABASE = "crm_bench_imports"
BIG_FILES = 1 << 40  # the bench sends files past the API's 50 MB limit
HEADERS = ["nome", "email", "telefone", "whatsapp", "cpf", "etiquetas", "segmento", "cidade", "uf"]
SEGMENTS = ["Varejo", "Atacado", "Serviços", "Indústria"]
FIRST = [
    "João", "José", "Antônio", "Francisco", "Luís", "Marcos", "Sérgio", "Vinícius", "Caio", "André", "Fábio",
    "Maria", "Ana", "Conceição", "Luíza", "Patrícia", "Márcia", "Letícia", "Fernanda", "Júlia", "Cecília", "Débora",
]  # fmt: skip
LAST = [
    "Silva", "Santos", "Oliveira", "Souza", "Conceição", "Gonçalves", "Araújo", "Magalhães", "Ribeiro", "Pereira",
    "Lima", "Gomes", "Ferreira", "Câmara", "Barbosa", "Assunção", "Simões", "Nóbrega", "Galvão", "Brandão",
]  # fmt: skip
CITIES = [("São Paulo", "SP", "11"), ("Rio de Janeiro", "RJ", "21"), ("Belo Horizonte", "MG", "31"),
          ("Curitiba", "PR", "41"), ("Porto Alegre", "RS", "51"), ("Salvador", "BA", "71"),
          ("Recife", "PE", "81"), ("Fortaleza", "CE", "85"), ("Goiânia", "GO", "62"), ("Belém", "PA", "91")]  # fmt: skip
DOMAINS = ["gmail.com", "hotmail.com", "yahoo.com.br", "uol.com.br", "bol.com.br", "empresa.com.br"]
TAGS = ["vip", "novo", "Indicação", "Feira 2024", "atacado", "recorrente", "inadimplente"]


def cpf(base: int, valid: bool = True) -> str:
    digits = [int(d) for d in f"{base % 999_999_999:09d}"]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1), strict=False))
        digits.append((total * 10 % 11) % 10)
    if not valid:
        digits[-1] = (digits[-1] + 1) % 10
    text = "".join(map(str, digits))
    return f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}"


def _mobile(i: int) -> str:
    """Person i's mobile, unique: 9, a digit 6-9, then seven digits."""
    return f"9{6 + i % 4}{i % 10_000_000:07d}"


def _phone(i: int, ddd: str, style: int) -> str:
    number = _mobile(i)
    return [
        f"({ddd}) {number[:5]}-{number[5:]}",
        f"{ddd}{number}",
        f"+55 {ddd} {number[:5]} {number[5:]}",
        f"0{ddd} {number[:5]}-{number[5:]}",
        f"({ddd}) {number[1:5]}-{number[5:]}",  # the old 8-digit form, without the ninth digit
    ][style % 5]


def person(i: int, rng: random.Random, *, update: bool = False) -> list[str]:
    first, last, other = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)], LAST[(i * 7) % len(LAST)]
    city, uf, ddd = CITIES[i % len(CITIES)]
    name = f"{first} {other} {last}"
    plain = name.lower().translate(str.maketrans("áâãàéêíóôõúüç", "aaaaeeiooouuc")).replace(" ", ".")
    email = f"{plain}.{i}@{DOMAINS[i % len(DOMAINS)]}"
    if update:  # the same person as the company has them, in another format and with news
        email = email.upper() if i % 2 else email
        city, uf, ddd = CITIES[i % len(CITIES)]
        tags = ", ".join(rng.sample(TAGS, 2))
    else:
        tags = "; ".join(rng.sample(TAGS, rng.randint(0, 2)))
    return [
        name,
        email,
        _phone(i, ddd, rng.randint(0, 4) if update else rng.randint(0, 3)),
        _phone(i, ddd, 0) if i % 3 == 0 else "",
        cpf(i * 7919 + 1234) if i % 2 == 0 else "",
        tags,
        SEGMENTS[i % len(SEGMENTS)],
        city,
        uf,
    ]


def broken(row: list[str], kind: int, n: int) -> list[str]:
    """One of the mistakes real files have."""
    row = list(row)
    if kind == 0:
        row[1] = row[1].replace("@", "@@")
    elif kind == 1:
        row[4] = cpf(n * 31 + 5, valid=False)
    elif kind == 2:
        row[2], row[3] = "123", ""
    elif kind == 3:
        row[0] = ""
    else:
        row[6] = "Governo"  # not an option of the select field
    return row


def write_csv(path: Path, rows: Any, encoding: str = "cp1252") -> None:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)


def files(folder: Path, rows: int, seed: int = 7) -> tuple[Path, Path]:
    """(the customers the company already has, the file to import): the file's first 10% update
    those, 2% are errors, the rest are new people. Windows-1252 with ';', as Excel in pt-BR saves."""
    rng = random.Random(seed)
    existing, updates = folder / "existing.csv", rows // 10
    write_csv(existing, (person(i, rng) for i in range(updates)))

    def generated() -> Any:
        for n in range(rows):
            if n < updates:
                yield person(n, rng, update=True)
            elif n % 50 == 7:
                yield broken(person(n, rng), n // 50 % 5, n)
            else:
                yield person(n, rng)

    main = folder / "clientes.csv"
    write_csv(main, generated())
    return existing, main


@dataclass
class Tenant:
    id: uuid.UUID
    admin_id: uuid.UUID


async def new_tenant(url: str, slug: str) -> Tenant:
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        tenant_id = await conn.fetchval(
            "INSERT INTO tenant (id, slug, name) VALUES ($1, $2, $3) RETURNING id", uuid.uuid4(), slug, slug
        )
        admin_id = await conn.fetchval(
            "INSERT INTO app_user (id, tenant_id, email, name, role) VALUES ($1, $2, $3, 'Admin', 'admin') RETURNING id",
            uuid.uuid4(),
            tenant_id,
            f"admin@{slug}.test",
        )
        await conn.execute(
            "INSERT INTO custom_field (tenant_id, key, label, type, options) VALUES ($1, 'segmento', 'Segmento', "
            "'select', $2::jsonb)",
            tenant_id,
            '["' + '", "'.join(SEGMENTS) + '"]',
        )
        return Tenant(tenant_id, admin_id)
    finally:
        await conn.close()


def start_worker(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "worker", "--concurrency", "2"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "CRM_LOG_LEVEL": "warning"},
    )


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def server_cpu(url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL server process connected to the bench database now."""
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        pids = [
            r["pid"] for r in await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ]
    finally:
        await conn.close()
    return {pid: cpu_seconds(pid) for pid in pids}


def stop(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


class Engine:
    """The import use cases called as the API calls them, in this process (jobs left to the worker)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def access(self, tenant: Tenant) -> Any:
        from authz import policy_store
        from authz.access import Access
        from authz.authenticate import principal_for
        from authz.policy_store import PolicyStore

        policy_store.install(PolicyStore(ROOT / "policies"))
        principal = await principal_for(tenant.id, user_id=tenant.admin_id, api_key_id=None)
        return Access(principal, policy_store.current_policy())

    async def upload(self, access: Any, path: Path) -> uuid.UUID:
        from models import ImportMode
        from resolvers.imports import service

        row = await service.create_import(
            access, path, file_name=path.name, mode=ImportMode.UPSERT, max_bytes=BIG_FILES
        )
        return row["id"]

    async def wait(self, access: Any, import_id: uuid.UUID, worker: subprocess.Popen[bytes], peak: list[int]) -> str:
        from resolvers.imports import service

        while True:
            row = await service.get_import(access, import_id)
            peak[0] = max(peak[0], memory_kb(worker.pid, "VmRSS"))
            if row["status"] not in ("planning", "queued", "running"):
                return str(row["status"])
            if worker.poll() is not None:
                raise RuntimeError("the worker died")
            await asyncio.sleep(0.2)


async def copy_rows(url: str, path: Path) -> float:
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        await conn.execute(
            "DROP TABLE IF EXISTS bench_import_staging; CREATE TABLE bench_import_staging ("
            + ", ".join(f"{h} text" for h in HEADERS)
            + ")"
        )
        started = time.perf_counter()
        await conn.copy_to_table(
            "bench_import_staging", source=path, format="csv", header=True, delimiter=";", encoding="WIN1252"
        )
        return time.perf_counter() - started
    finally:
        await conn.close()


@dataclass
class Round:
    copy_rps: float
    import_rps: float  # upload + dry run + run
    run_rps: float  # the run alone
    peak_rss_mb: float
    counts: dict[str, int]
    worker_cpu: float = 0.0  # seconds, dry run and run
    server_cpu: float = 0.0  # seconds of the database's processes, dry run and run


async def engine_round(url: str, n: int, existing: Path, main: Path, rows: int) -> Round:
    from resolvers.imports import service

    engine = Engine(url)
    tenant = await new_tenant(url, f"bench-{n}-{uuid.uuid4().hex[:6]}")
    access = await engine.access(tenant)
    worker = start_worker(url)
    peak = [0]
    try:
        seeded = await engine.upload(access, existing)
        await service.start_import(access, seeded)
        assert await engine.wait(access, seeded, worker, peak) == "finished"

        worker_before, server_before = cpu_seconds(worker.pid), await server_cpu(url)
        started = time.perf_counter()
        import_id = await engine.upload(access, main)
        await service.plan_import(access, import_id)
        assert await engine.wait(access, import_id, worker, peak) == "planned"
        planned = time.perf_counter()
        await service.start_import(access, import_id)
        assert await engine.wait(access, import_id, worker, peak) == "finished"
        finished = time.perf_counter()
        peak[0] = max(peak[0], memory_kb(worker.pid, "VmHWM"))
        worker_cpu = cpu_seconds(worker.pid) - worker_before
        server_after = await server_cpu(url)
        database_cpu = sum(t - server_before.get(pid, 0.0) for pid, t in server_after.items())
    finally:
        stop(worker)
    row = await service.get_import(access, import_id)
    counts = {k: row[k] for k in ("created", "updated", "skipped", "failed", "conflicts", "duplicates_in_file")}
    return Round(
        0.0, rows / (finished - started), rows / (finished - planned), peak[0] / 1024, counts, worker_cpu, database_cpu
    )


async def rounds(args: argparse.Namespace) -> None:
    url = database_url(args.database)
    await migrate_bench(url)
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-imports-"))
    existing, main = files(folder, args.rows)
    print(f"{args.rows} rows ({main.stat().st_size / 1e6:.1f} MB, Windows-1252, ';'), {args.rounds} rounds")
    results: list[Round] = []
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        for n in range(args.rounds):
            copy_first = n % 2 == 0
            copy_seconds = await copy_rows(url, main) if copy_first else 0.0
            result = await engine_round(url, n, existing, main, args.rows)
            if not copy_first:
                copy_seconds = await copy_rows(url, main)
            result.copy_rps = args.rows / copy_seconds
            results.append(result)
            print(
                f"round {n + 1}: COPY {result.copy_rps:,.0f} rows/s | import end to end {result.import_rps:,.0f} rows/s "
                f"(run alone {result.run_rps:,.0f}) | COPY/import {result.copy_rps / result.import_rps:.1f}x | "
                f"worker peak RSS {result.peak_rss_mb:.0f} MB | CPU s worker {result.worker_cpu:.1f}, "
                f"database {result.server_cpu:.1f} | {result.counts}",
                flush=True,
            )
    copy = statistics.median(r.copy_rps for r in results)
    end_to_end = statistics.median(r.import_rps for r in results)
    run = statistics.median(r.run_rps for r in results)
    print(
        f"median: COPY {copy:,.0f} rows/s | import end to end {end_to_end:,.0f} rows/s (run alone {run:,.0f}) | "
        f"COPY/import {statistics.median(r.copy_rps / r.import_rps for r in results):.1f}x "
        f"(run alone {statistics.median(r.copy_rps / r.run_rps for r in results):.1f}x) | "
        f"worker peak RSS {statistics.median(r.peak_rss_mb for r in results):.0f} MB | "
        f"CPU s worker {statistics.median(r.worker_cpu for r in results):.1f}, "
        f"database {statistics.median(r.server_cpu for r in results):.1f}"
    )


async def floor(args: argparse.Namespace) -> None:
    """The import's per-row check alone (``check_rows``: the input createCustomer takes, phones,
    e-mail, CPF, the select field), in this process on one core: no import can go faster while
    it checks every row as createCustomer does."""
    from models import ImportMode
    from resolvers.custom_fields import load_definitions
    from resolvers.imports.decide import ImportContext, check_rows
    from resolvers.imports.mapping import suggest_mapping

    url = database_url(args.database)
    await migrate_bench(url)
    rng = random.Random(7)
    rows = [
        (n + 2, broken(person(n, rng), n // 50 % 5, n) if n % 50 == 7 else person(n, rng)) for n in range(args.rows)
    ]
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        tenant = await new_tenant(url, f"bench-floor-{uuid.uuid4().hex[:6]}")
        context = ImportContext(
            access=await Engine(url).access(tenant),
            import_id=uuid.uuid4(),
            number=0,
            mode=ImportMode.UPSERT,
            headers=HEADERS,
            targets=list(suggest_mapping(HEADERS, [("segmento", "Segmento")])),
            fields=await load_definitions(tenant.id),
        )
    rates = []
    for _ in range(args.rounds):
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(rows), 500):
            check_rows(context, rows[i : i + 500])
        rates.append((args.rows / (time.perf_counter() - started), args.rows / (time.process_time() - cpu)))
    wall, cpu_rate = statistics.median(r[0] for r in rates), statistics.median(r[1] for r in rates)
    print(
        f"per-row check alone: {wall:,.0f} rows/s wall, {cpu_rate:,.0f} rows/s per CPU second "
        f"({1e6 / cpu_rate:.0f} us a row), median of {args.rounds}"
    )


async def memory(args: argparse.Namespace) -> None:
    """A dry run of a big CSV in a worker: its resident memory must stay flat (< 300 MB)."""
    from resolvers.imports import service

    url = database_url(args.database)
    await migrate_bench(url)
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-imports-"))
    path = folder / "big.csv"
    rng = random.Random(11)
    write_csv(path, (person(i, rng) for i in range(args.memory_rows)))
    print(f"{args.memory_rows} rows, {path.stat().st_size / 1e6:.0f} MB")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        engine = Engine(url)
        tenant = await new_tenant(url, f"bench-memory-{uuid.uuid4().hex[:6]}")
        access = await engine.access(tenant)
        worker = start_worker(url)
        peak = [0]
        try:
            await asyncio.sleep(3)
            idle = memory_kb(worker.pid, "VmRSS") / 1024
            started = time.perf_counter()
            import_id = await engine.upload(access, path)
            await service.plan_import(access, import_id)
            status = await engine.wait(access, import_id, worker, peak)
            seconds = time.perf_counter() - started
            high = memory_kb(worker.pid, "VmHWM") / 1024
        finally:
            stop(worker)
        row = await service.get_import(access, import_id)
    print(
        f"dry run {status}: {row['processed']} rows in {seconds:.0f} s ({row['processed'] / seconds:,.0f} rows/s); "
        f"worker RSS idle {idle:.0f} MB, peak sampled {peak[0] / 1024:.0f} MB, VmHWM {high:.0f} MB (target < 300 MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="only the big-file memory check")
    parser.add_argument("--floor", action="store_true", help="only the per-row check, on one core")
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument("--database", default=DATABASE, help="the bench's database (created when missing)")
    args = parser.parse_args()
    asyncio.run(memory(args) if args.memory else floor(args) if args.floor else rounds(args))


if __name__ == "__main__":
    main()
