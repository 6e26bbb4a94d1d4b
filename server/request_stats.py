"""What one request cost and who sent it, gathered while it runs for its log line and metrics.

SQL statements are counted from the statement log Tortoise writes (``tortoise.db_client``, which
``models.db`` also writes its raw statements to): the count the tests assert is the one production
reports. Time in PostgreSQL comes from asyncpg's query loggers, installed on each pooled connection.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from authz.principal import Principal

STATEMENT_LOGGER = "tortoise.db_client"


@dataclass(slots=True)
class RequestStats:
    request_id: str
    statements: int = 0
    sql_seconds: float = 0.0
    # Set by the GraphQL view: the operation run and how it ended ("ok" or an error code's class).
    operation: str | None = None
    outcome: str | None = None
    # Who asked: ids only, never a credential or contact data.
    tenant: str | None = None
    user_id: str | None = None
    api_key_id: str | None = None


# Tasks a request starts (DataLoader batches, gathered root fields) copy the context, so they
# add to the same object.
current: ContextVar[RequestStats | None] = ContextVar("request_stats", default=None)


def note_principal(principal: Principal) -> None:
    """Tell the current request's log line who asked (ids only)."""
    stats = current.get()
    if stats is not None:
        stats.tenant = principal.tenant_slug
        stats.user_id = str(principal.user_id) if principal.user_id else None
        stats.api_key_id = str(principal.api_key_id) if principal.api_key_id else None


# Callables given every statement record, whatever the request (the tests' statement counter).
watchers: list[Callable[[logging.LogRecord], None]] = []


class _StatementMeter(logging.Filter):
    """Counts statement records for the current request, then lets through only the records the
    configured log level asks for: statements (text and parameters, contact data among them)
    reach the log's handlers only when it is debug."""

    def __init__(self, passes_at: int) -> None:
        super().__init__()
        self.passes_at = passes_at

    def filter(self, record: logging.LogRecord) -> bool:
        stats = current.get()
        if stats is not None:
            stats.statements += 1
        for watch in watchers:
            watch(record)
        return record.levelno >= self.passes_at


def install_statement_meter(*, log_statements: bool) -> None:
    """Count every statement Tortoise logs (its statement records are debug records)."""
    logger = logging.getLogger(STATEMENT_LOGGER)
    for old in [f for f in logger.filters if isinstance(f, _StatementMeter)]:
        logger.removeFilter(old)
    logger.addFilter(_StatementMeter(logging.DEBUG if log_statements else logging.INFO))
    logger.setLevel(logging.DEBUG)


# asyncpg's type introspection (a connection's first use of a type) runs inside the timing of the
# statement that needed it: counting it too would count that time twice.
_NESTED = re.compile(
    r"\s*(?:WITH RECURSIVE typeinfo_tree\(|SELECT\s+(?:current_setting\('jit'\)|set_config\('jit', \$1))"
)


def add_sql_time(query: Any) -> None:
    """asyncpg query logger (``Connection.add_query_logger``): ``query.elapsed`` seconds in PostgreSQL.

    asyncpg calls it soon after the statement, in a copy of the context that ran it.
    """
    stats = current.get()
    if stats is not None and not _NESTED.match(query.query):
        stats.sql_seconds += query.elapsed
