"""What may keep a customer from being inactivated: the kinds a company chooses among."""

from __future__ import annotations

from enum import StrEnum


class InactivationBlocker(StrEnum):
    OPEN_CONVERSATIONS = "open_conversations"
    OPEN_TASKS = "open_tasks"
    ACTIVE_CONTRACTS = "active_contracts"
    CONTRACTS_PENDING_ADJUSTMENT = "contracts_pending_adjustment"


# A new company's choice (tenant.inactivation_blockers).
DEFAULT_BLOCKERS = (InactivationBlocker.OPEN_CONVERSATIONS, InactivationBlocker.ACTIVE_CONTRACTS)
