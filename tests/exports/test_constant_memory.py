"""100,000 customers exported with memory flat: rows come from a server-side cursor in batches
and each batch is written out before the next is read."""

from __future__ import annotations

import tempfile
import tracemalloc
from datetime import timedelta

import pytest

from authz.access import Access
from authz.authenticate import principal_for
from authz.policy_store import current_policy
from models import ExportFormat
from models.db import execute, fetchval, in_transaction
from models.sql import Sql
from resolvers.exports.arguments import ExportArguments
from resolvers.exports.produce import write_export
from tests.factories import Factory

ROWS = 100_000
LIMIT_BYTES = 60 * 1024 * 1024


@pytest.fixture(scope="module")
async def big(app):
    """One company of 100,000 customers, made once for the three formats. It stays: later tests
    then run beside a large company, as production does."""
    factory = Factory(app.state.tokens)
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    async with in_transaction():
        await execute(Sql("SET LOCAL statement_timeout = 0"))
        made_at = await fetchval(Sql("SELECT now()"))  # the rows' clock: created now() minus i seconds
        await execute(
            Sql(
                "INSERT INTO customer (id, tenant_id, name, search_text, email, email_normalized, phone, address_city, "
                "custom_fields, created_at) SELECT gen_random_uuid(), %s, 'Cliente ' || i, 'cliente ' || i, "
                "'c' || i || '@example.com', 'c' || i || '@example.com', '+55119' || lpad(i::text, 8, '0'), 'São Paulo', "
                "jsonb_build_object('visits', i), now() - make_interval(secs => i) FROM generate_series(1, %s) i",
                tenant.id,
                ROWS,
            )
        )
    await factory.custom_field(tenant, "visits", "number", label="Visitas")
    return Access(await principal_for(tenant.id, user_id=admin.id, api_key_id=None), current_policy()), made_at


# CSV is written by PostgreSQL (COPY); JSON and XLSX by Python from the cursor's batches. XLSX runs
# on a fifth of the rows (the same path as JSON, and xlsxwriter is slow under tracemalloc).
@pytest.mark.parametrize(
    ("fmt", "rows"), [(ExportFormat.CSV, ROWS), (ExportFormat.JSON, ROWS), (ExportFormat.XLSX, 20_000)]
)
async def test_memory_stays_flat_at_100k_rows(big, fmt, rows):
    access, made_at = big
    since = made_at - timedelta(seconds=rows + 0.5)
    arguments = ExportArguments(filter={"createdBetween": {"from": since}}) if rows < ROWS else ExportArguments()
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            count = await write_export(access, arguments, fmt, out)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        size = out.tell()

    assert count == rows
    assert peak < LIMIT_BYTES, f"peak {peak / 2**20:.1f} MB"
    assert size > 1_000_000  # the file was written: more than a megabyte went through a few held at once
