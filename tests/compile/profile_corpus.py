"""The differential corpus's compiled statements, timed by PostgreSQL, worst first (not a test).

    DATABASE_URL=... .venv/bin/pytest -q -s tests/compile/profile_corpus.py
    (PROFILE_ONLY=timeline: only documents holding that text; PROFILE_PLANS=dir: the worst
    statements' SQL and plans written there)

Every document of every seed the differential test draws, as every caller, with contact hiding
and restricted visibility on and off. Each compiled statement is run once more under
``EXPLAIN (ANALYZE, SUMMARY)``; PostgreSQL's own planning and execution times are recorded, so
the figures hold on a busy machine where wall time would not.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import orjson

from models.sql import Sql
from schema.compile import execution
from tests.compile.corpus import documents
from tests.compile.test_differential import DOCUMENTS, SEED, company, post  # noqa: F401 (a fixture)

SHOWN = 12


async def explained(query: Sql) -> tuple[float, float]:
    """(planning ms, execution ms) of ``query`` as PostgreSQL reports them."""
    plan = await REAL(Sql("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) ") + query)
    top = (orjson.loads(plan) if isinstance(plan, str | bytes) else plan)[0]
    return top["Planning Time"], top["Execution Time"]


REAL = execution.fetchval


async def test_profile_the_corpus(http, factory, company, monkeypatch):  # noqa: F811
    timed: list[tuple[float, float, float, str, str, int]] = []
    statements: dict[tuple[str, str], Sql] = {}
    only = os.environ.get("PROFILE_ONLY", "")
    current: dict[str, Any] = {}

    async def timing(query: Sql, *args: Any, **kwargs: Any) -> Any:
        planning, running = await explained(query)
        text, _ = query.render()
        timed.append((planning + running, planning, running, current["who"], current["query"], len(text)))
        statements[current["who"], current["query"]] = query
        return await REAL(query, *args, **kwargs)

    monkeypatch.setattr(execution, "fetchval", timing)
    for hide_contact, restricted in itertools.product([False, True], [True, False]):
        await factory.set_tenant(
            company["tenant"], hide_contact_from_sellers=hide_contact, restricted_visibility=restricted
        )
        corpus = documents(SEED + hide_contact * 2 + restricted, DOCUMENTS // 4, company["ids"])
        for (who, caller), (query, variables) in itertools.product(company["callers"].items(), corpus):
            if only not in query:
                continue
            current.update(who=f"{who}, hide={hide_contact}, restricted={restricted}", query=query)
            await post(http, query, variables, caller)
    timed.sort(reverse=True)
    total = [t[0] for t in timed]
    print(f"\n{len(timed)} statements; median {total[len(total) // 2]:.1f} ms, worst {total[0]:.1f} ms")
    for spent, planning, running, who, query, length in timed[:SHOWN]:
        print(f"\n{spent:.1f} ms = planning {planning:.1f} + execution {running:.1f}; {length} chars; as {who}")
        print(query)
    plans = os.environ.get("PROFILE_PLANS")
    if plans:
        written = []
        for _, _, _, who, query, _ in timed[:3]:
            text, params = statements[who, query].render()
            written.append(
                (f"-- {who}\n-- {query}\n{text}\n-- params: {params!r}\n", await plan_of(statements[who, query]))
            )
        write(Path(plans), written)


def write(into: Path, written: list[tuple[str, str]]) -> None:
    into.mkdir(parents=True, exist_ok=True)
    for n, (sql, plan) in enumerate(written):
        (into / f"{n}.sql").write_text(sql)
        (into / f"{n}.plan").write_text(plan)


async def plan_of(query: Sql) -> str:
    from models.db import fetch

    rows = await fetch(Sql("EXPLAIN (ANALYZE, SUMMARY, VERBOSE) ") + query)
    return "\n".join(r["QUERY PLAN"] for r in rows)
