"""A recording notifier in place of e-mail, and helpers to build a customer with a full profile."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest

from models.db import execute
from models.sql import Sql
from resolvers.deletion import notifier
from resolvers.deletion.notifier import DeletionCode


@dataclass
class Outbox:
    sent: list[DeletionCode] = field(default_factory=list)

    async def send_deletion_code(self, message: DeletionCode) -> None:
        self.sent.append(message)

    @property
    def last_code(self) -> str:
        return self.sent[-1].code


@pytest.fixture
def outbox() -> Iterator[Outbox]:
    box = Outbox()
    previous = notifier.install(box)
    yield box
    notifier.restore(previous)


async def seed_profile(tenant_id: UUID, customer_id: UUID, author_id: UUID, team_id: UUID | None = None) -> None:
    """Two notes, a task, a conversation with three messages, an appointment, a purchase, a history entry."""
    conversation = uuid4()
    statements = [
        Sql(
            "INSERT INTO note (tenant_id, customer_id, author_id, body) VALUES (%s, %s, %s, 'n1'), (%s, %s, %s, 'n2')",
            tenant_id, customer_id, author_id, tenant_id, customer_id, author_id,
        ),
        Sql("INSERT INTO task (tenant_id, customer_id, title) VALUES (%s, %s, 'call')", tenant_id, customer_id),
        Sql(
            "INSERT INTO conversation (id, tenant_id, customer_id, channel, handle, status) "
            "VALUES (%s, %s, %s, 'whatsapp', '+5511987650000', 'open')",
            conversation, tenant_id, customer_id,
        ),
        *(
            Sql(
                "INSERT INTO message (tenant_id, conversation_id, channel, direction, body, sent_at, status) "
                "VALUES (%s, %s, 'whatsapp', 'inbound', %s, now(), 'received')",
                tenant_id, conversation, f"hello {i}",
            )
            for i in range(3)
        ),
        Sql(
            "INSERT INTO appointment (tenant_id, customer_id, title, starts_at, ends_at) "
            "VALUES (%s, %s, 'visit', now(), now() + interval '1 hour')",
            tenant_id, customer_id,
        ),
        Sql(
            "INSERT INTO purchase (tenant_id, customer_id, amount, currency, occurred_at) VALUES (%s, %s, 10, 'BRL', now())",
            tenant_id, customer_id,
        ),
        Sql(
            "INSERT INTO customer_event (tenant_id, customer_id, kind, data) VALUES (%s, %s, 'updated', '{}'::jsonb)",
            tenant_id, customer_id,
        ),
    ]  # fmt: skip
    if team_id is not None:
        statements.append(
            Sql(
                "INSERT INTO customer_team (tenant_id, customer_id, team_id) VALUES (%s, %s, %s)",
                tenant_id,
                customer_id,
                team_id,
            )
        )
    for statement in statements:
        await execute(statement)


@pytest.fixture(autouse=True)
async def no_scheduled_purges(app: Any) -> AsyncIterator[None]:
    """Purge jobs wait 48 hours on the queue: drop them after each test, or every later
    ``run_pending_jobs`` (which drains the queue) would wait for them."""
    yield
    await execute(Sql("DELETE FROM pgqueuer WHERE entrypoint = 'customer.purge' AND status = 'queued'"))


def typename(data: dict[str, Any], field: str) -> str:
    return str(data[field]["__typename"])
