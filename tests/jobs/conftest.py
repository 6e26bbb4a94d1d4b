from __future__ import annotations

import uuid
from typing import Any

import pytest

from models.db import asyncpg_connection
from tests.jobs import handlers


@pytest.fixture(scope="session")
async def job_tables(app: Any) -> None:
    async with asyncpg_connection() as connection:
        await connection.execute(handlers.TABLES)


@pytest.fixture
def key(job_tables: None) -> str:
    return uuid.uuid4().hex
