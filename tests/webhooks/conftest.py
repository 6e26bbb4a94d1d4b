from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest

from models.db import execute
from models.sql import Sql
from resolvers.outbox import DELIVER_JOB
from resolvers.webhooks import config
from tests.webhooks.receiver import Receiver, running_receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as r:
        yield r


@pytest.fixture(autouse=True)
async def fast_retries(app: Any) -> AsyncIterator[config.WebhookConfig]:
    """Retries within a second or so; no delivery job left behind for other tests to wait on."""
    old = config.configure(
        retry_base=timedelta(seconds=0.2), retry_max=timedelta(seconds=1), timeout=timedelta(seconds=2)
    )
    yield config.current()
    config.configure(**{f: getattr(old, f) for f in old.__dataclass_fields__})
    await execute(Sql("DELETE FROM pgqueuer WHERE entrypoint = %s", DELIVER_JOB))


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    old = config.configure(allow_private=False)
    yield
    config.configure(allow_private=old.allow_private)
