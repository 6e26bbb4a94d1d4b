"""Which failures are the database being unreachable (answered 503) and which are bugs (500)."""

from __future__ import annotations

import asyncpg
import pytest
from tortoise.exceptions import OperationalError

from models.availability import database_unavailable


async def _connect_to_nothing() -> None:
    await asyncpg.connect(host="/nonexistent-socket-dir", port=5432, user="postgres", timeout=2)


async def test_a_refused_connection_is_an_outage_even_wrapped() -> None:
    with pytest.raises(OSError) as raised:
        await _connect_to_nothing()
    try:
        raise OperationalError("wrapped") from raised.value
    except OperationalError as wrapped:
        assert database_unavailable(wrapped)


def test_server_side_shutdown_errors_are_outages() -> None:
    assert database_unavailable(asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"))
    assert database_unavailable(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert database_unavailable(asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle"))
    cut = asyncpg.exceptions._base.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    )
    assert database_unavailable(cut)


def test_a_missing_file_elsewhere_or_a_bad_statement_is_not_an_outage() -> None:
    try:
        open("/nonexistent/upload.csv")  # noqa: SIM115
    except OSError as exc:
        assert not database_unavailable(exc)
    assert not database_unavailable(asyncpg.exceptions.UndefinedColumnError("no such column"))
    assert not database_unavailable(
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress")
    )
    assert not database_unavailable(None)
