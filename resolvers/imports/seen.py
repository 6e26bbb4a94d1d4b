"""The keys the file's rows gave so far, kept in PostgreSQL (``import_key``), not in the worker.

A batch loads the earlier rows' holders of its own keys in one statement, decides its rows in
file order against them and against its own earlier rows, and saves the keys it added in one
statement inside its transaction. Memory stays one batch wide whatever the file's size, and a run
resumed after a crash still finds the keys of the batches committed before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from models.db import execute, fetch
from models.sql import Sql
from resolvers.contact_keys import Key


class InFileKeys:
    """One pass's keys (the dry run's or the run's): the first row giving each."""

    def __init__(self, tenant_id: UUID, import_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.import_id = import_id
        self._known: dict[Key, int] = {}  # this batch's keys: earlier batches' holders and its own
        self._added: dict[Key, int] = {}  # what this batch adds, saved with it

    async def load(self, keys: Iterable[Key]) -> None:
        """Start a batch: learn which of ``keys`` earlier batches already gave."""
        self._known, self._added = {}, {}
        await self.learn(keys)

    async def learn(self, keys: Iterable[Key]) -> None:
        wanted = [k for k in set(keys) if k not in self._known]
        if not wanted:
            return
        # One index probe per wanted key (LIMIT 1 keeps the subquery from being flattened): the
        # table grows by the whole file during a pass, faster than its statistics, and a plan
        # scanning the pass's keys for every batch made the pass quadratic.
        rows = await fetch(
            Sql(
                "SELECT w.kind, w.value, k.row_number FROM unnest(%s::text[], %s::text[]) AS w(kind, value) "
                "CROSS JOIN LATERAL (SELECT row_number FROM import_key WHERE tenant_id = %s "
                "AND customer_import_id = %s AND kind = w.kind AND value = w.value LIMIT 1) AS k",
                [k.kind for k in wanted],
                [k.value for k in wanted],
                self.tenant_id,
                self.import_id,
            )
        )
        self._known.update((Key(r["kind"], r["value"]), r["row_number"]) for r in rows)

    def get(self, key: Key) -> int | None:
        return self._known.get(key)

    def __contains__(self, key: Key) -> bool:
        return key in self._known

    def add(self, key: Key, row_number: int) -> None:
        if key not in self._known:
            self._known[key] = row_number
            self._added[key] = row_number

    async def save(self) -> None:
        """Record the batch's keys; call it in the transaction that records the batch's rows."""
        if not self._added:
            return
        added = list(self._added.items())
        await execute(
            Sql(
                "INSERT INTO import_key (tenant_id, customer_import_id, kind, value, row_number) "
                "SELECT %s, %s, k.kind, k.value, k.row_number FROM unnest(%s::text[], %s::text[], %s::int[]) "
                "AS k(kind, value, row_number) ON CONFLICT DO NOTHING",
                self.tenant_id,
                self.import_id,
                [k.kind for k, _ in added],
                [k.value for k, _ in added],
                [n for _, n in added],
            )
        )
        self._added = {}


async def forget(tenant_id: UUID, import_id: UUID) -> None:
    """Drop a pass's keys: at its start (a new pass) and once it is over."""
    await execute(Sql("DELETE FROM import_key WHERE tenant_id = %s AND customer_import_id = %s", tenant_id, import_id))
