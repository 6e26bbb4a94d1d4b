"""Times clients send for events that already happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from resolvers.errors import Errors, FieldErrorCode

# Clocks of channel gateways and shops drift a little; an event further ahead has not happened.
MAX_CLOCK_SKEW = timedelta(minutes=5)


def past_time(value: datetime | None, field: str, errors: Errors) -> datetime:
    """``value`` (or now, when absent), refusing a time more than a few minutes in the future:
    such a time would pin the customer to the top of "last interaction" until it came."""
    now = datetime.now(UTC)
    if value is None:
        return now
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value > now + MAX_CLOCK_SKEW:
        minutes = int(MAX_CLOCK_SKEW.total_seconds() // 60)
        errors.add(field, FieldErrorCode.INVALID, f"is in the future (more than {minutes} minutes ahead of the server)")
    return value


def now() -> datetime:
    """The current time; tests move it (monkeypatch ``resolvers.clock.now``) to expire codes and reach purges."""
    return datetime.now(UTC)
