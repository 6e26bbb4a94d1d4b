"""What may keep a customer from being inactivated: the kinds a company chooses among."""

from __future__ import annotations

from enum import StrEnum


class InactivationBlocker(StrEnum):
    """Stored (in the tenant setting) as the API spells it."""

    OPEN_CONVERSATIONS = "OPEN_CONVERSATIONS"
    OPEN_TASKS = "OPEN_TASKS"
    ACTIVE_CONTRACTS = "ACTIVE_CONTRACTS"
    CONTRACTS_PENDING_ADJUSTMENT = "CONTRACTS_PENDING_ADJUSTMENT"


# A new company's choice (tenant.inactivation_blockers).
DEFAULT_BLOCKERS = (InactivationBlocker.OPEN_CONVERSATIONS, InactivationBlocker.ACTIVE_CONTRACTS)
