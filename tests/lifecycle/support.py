"""Queries and rows shared by the lifecycle tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from models.db import execute, fetch, fetchval
from models.sql import Sql
from tests.factories import TenantRef

SET_STATUS = """mutation($i: SetCustomerStatusInput!) { setCustomerStatus(input: $i) { __typename
  ... on SetCustomerStatusSuccess { customer { id status version } }
  ... on InactivationBlocked { message blockers { kind count ids } }
  ... on NotFound { message } ... on VersionConflict { currentVersion } ... on ValidationFailed { fields { field code } } } }"""

SET_MANY = """mutation($i: SetCustomersStatusInput!) { setCustomersStatus(input: $i) { __typename
  ... on SetCustomersStatusSuccess { changed unchanged blocked notFound
    results { customerId outcome blockers { kind count ids } } }
  ... on ValidationFailed { fields { field code } } } }"""

UPDATE_CUSTOMER = """mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename
  ... on UpdateCustomerSuccess { customer { id status billingParent { id name } } }
  ... on InactivationBlocked { blockers { kind count } }
  ... on BillingParentCycle { message billingParentId length }
  ... on ValidationFailed { fields { field code } } ... on NotFound { message } } }"""

SETTINGS = """mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { __typename
  ... on UpdateTenantSettingsSuccess { tenant { settings { inactivationBlockers } } } } }"""

CREATE_CONTRACT = """mutation($i: CreateContractInput!) { createContract(input: $i) { __typename
  ... on ContractSuccess { contract { id title status startsOn endsOn value notes version customer { id } } }
  ... on ValidationFailed { fields { field code } } ... on NotFound { message }
  ... on CustomerInactive { customerIds } } }"""

UPDATE_CONTRACT = """mutation($i: UpdateContractInput!) { updateContract(input: $i) { __typename
  ... on ContractSuccess { contract { id title status endsOn value version } }
  ... on ValidationFailed { fields { field code } } ... on NotFound { message }
  ... on VersionConflict { expectedVersion currentVersion } } }"""

END_CONTRACT = """mutation($i: EndContractInput!) { endContract(input: $i) { __typename
  ... on ContractSuccess { contract { id status endsOn endedAt version } }
  ... on ValidationFailed { fields { field code } } ... on NotFound { message }
  ... on VersionConflict { currentVersion } } }"""


async def add_open_conversation(tenant: TenantRef, customer: UUID) -> UUID:
    return await fetchval(
        Sql(
            "INSERT INTO conversation (tenant_id, customer_id, channel, handle, last_message_at) "
            "VALUES (%s, %s, 'whatsapp', '+5511999990000', now()) RETURNING id",
            tenant.id,
            customer,
        )
    )


async def add_task(tenant: TenantRef, customer: UUID, status: str = "open") -> UUID:
    return await fetchval(
        Sql(
            "INSERT INTO task (tenant_id, customer_id, title, status) VALUES (%s, %s, 'Call back', %s) RETURNING id",
            tenant.id,
            customer,
            status,
        )
    )


async def add_contract(tenant: TenantRef, customer: UUID, status: str = "active") -> UUID:
    return await fetchval(
        Sql(
            "INSERT INTO contract (tenant_id, customer_id, title, status, starts_on) "
            "VALUES (%s, %s, 'Support plan', %s, current_date) RETURNING id",
            tenant.id,
            customer,
            status,
        )
    )


async def status_of(customer: UUID) -> str:
    return await fetchval(Sql("SELECT status FROM customer WHERE id = %s", customer))


async def audit_entries(tenant: TenantRef, action: str) -> list[dict[str, Any]]:
    return await fetch(
        Sql(
            "SELECT object_type, object_id, before, after, details, actor_id FROM audit_entry "
            "WHERE tenant_id = %s AND action = %s ORDER BY created_at, object_id",
            tenant.id,
            action,
        )
    )


async def set_blockers(tenant: TenantRef, kinds: list[str]) -> None:
    import json

    await execute(
        Sql("UPDATE tenant SET inactivation_blockers = %s::jsonb WHERE id = %s", json.dumps(kinds), tenant.id)
    )
