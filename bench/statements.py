"""SQL statements per request, counted in-process at the driver.

The machine's PostgreSQL does not preload pg_stat_statements (and restarting it is not ours to
do), so the count is taken where every statement passes: asyncpg's ``Connection``. The API is
built in this process exactly as ``server.app:app_from_env`` builds it, the driver's entry
points are wrapped to count, and each query is sent a few times through an in-process transport.
Every statement counts: BEGIN and COMMIT too, since each is a round trip to the database.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx

_count = [0]


def _install() -> None:
    """Wrap asyncpg's statement entry points once: ``_execute`` (fetch, fetchrow, fetchval and
    execute with arguments), ``_executemany``, and ``execute`` without arguments (the simple
    protocol, used for BEGIN and COMMIT)."""
    cls: Any = asyncpg.connection.Connection
    if getattr(cls, "_bench_counted", False):
        return

    def counted(method: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            _count[0] += 1
            return await method(self, *args, **kwargs)

        return wrapper

    plain_execute = cls.execute

    async def execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # with arguments it goes through _execute, counted there
            _count[0] += 1
        return await plain_execute(self, query, *args, **kwargs)

    cls._execute = counted(cls._execute)
    cls._executemany = counted(cls._executemany)
    cls.execute = execute
    cls._bench_counted = True


async def statements_per_request(
    env: dict[str, str], requests: dict[str, tuple[dict, dict[str, str]]], repeats: int = 5
) -> dict[str, float]:
    """For each named (GraphQL body, headers): statements the API sends per request, averaged over
    ``repeats`` requests after one warm-up (caches filled, as under load)."""
    _install()
    # Only the requests' statements: the job worker the app would start polls the queue on its own.
    os.environ.update({**env, "CRM_INPROCESS_WORKER": "false"})
    from server.app import create_app
    from server.settings import get_settings

    get_settings.cache_clear()  # settings read earlier in this process (migrating) lack the bench's secret

    app = create_app()
    counts: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, (body, headers) in requests.items():
                (await client.post("/graphql", json=body, headers=headers)).raise_for_status()
                before = _count[0]
                for _ in range(repeats):
                    response = await client.post("/graphql", json=body, headers=headers)
                    response.raise_for_status()
                    if response.json().get("errors"):
                        raise RuntimeError(f"{name}: {response.json()['errors']}")
                counts[name] = (_count[0] - before) / repeats
    return counts
