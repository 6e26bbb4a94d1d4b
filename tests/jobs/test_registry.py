"""Registering handlers: one handler per name, sane retry settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from resolvers.jobs import REGISTRY, job
from resolvers.jobs.registry import heartbeat_timeout


async def first(payload: dict[str, Any]) -> None: ...


async def second(payload: dict[str, Any]) -> None: ...


def test_a_name_takes_one_handler_and_re_registering_the_same_one_is_harmless() -> None:
    name = "test.registry.once"
    try:
        job(name)(first)
        job(name)(first)  # a module imported twice
        with pytest.raises(RuntimeError, match="already has a handler"):
            job(name)(second)
        assert REGISTRY[name].handler is first
    finally:
        REGISTRY.pop(name, None)


def test_retry_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="retry_after"):
        job("test.registry.bad", retry_after=timedelta(0))
    with pytest.raises(ValueError, match="retries"):
        job("test.registry.bad", retries=-1)


def test_a_worker_beats_for_its_most_impatient_handler() -> None:
    kinds = [job_kind(30), job_kind(2), job_kind(60)]
    assert heartbeat_timeout(kinds) == timedelta(seconds=2)
    assert heartbeat_timeout([]) == timedelta(seconds=30)


def job_kind(seconds: int) -> Any:
    name = f"test.registry.{seconds}"
    try:
        job(name, retry_after=timedelta(seconds=seconds))(first)
        return REGISTRY[name]
    finally:
        REGISTRY.pop(name, None)
