"""Inactivating a customer: refused while it has the blockers the company counts."""

from __future__ import annotations

import pytest

from models.db import execute, fetch
from models.sql import Sql
from tests.helpers import error_codes, gid
from tests.lifecycle.support import (
    SET_STATUS,
    SETTINGS,
    UPDATE_CUSTOMER,
    add_contract,
    add_open_conversation,
    add_task,
    audit_entries,
    set_blockers,
    status_of,
)

ALL_KINDS = ["OPEN_CONVERSATIONS", "OPEN_TASKS", "ACTIVE_CONTRACTS", "CONTRACTS_PENDING_ADJUSTMENT"]


@pytest.fixture
async def company(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    return tenant, admin


async def _set(gql, user, customer, status, **extra):
    return (await gql.data(SET_STATUS, {"i": {"id": gid(customer), "status": status, **extra}}, as_=user))[
        "setCustomerStatus"
    ]


@pytest.mark.parametrize(
    ("kind", "add", "type_name"),
    [
        ("OPEN_CONVERSATIONS", add_open_conversation, "Conversation"),
        ("OPEN_TASKS", add_task, "Task"),
        ("ACTIVE_CONTRACTS", lambda t, c: add_contract(t, c, "active"), "Contract"),
        ("CONTRACTS_PENDING_ADJUSTMENT", lambda t, c: add_contract(t, c, "pending_adjustment"), "Contract"),
    ],
)
async def test_each_blocker_kind_refuses_inactivation_with_counts_and_ids(gql, company, factory, kind, add, type_name):
    tenant, admin = company
    await set_blockers(tenant, ALL_KINDS)
    customer = await factory.customer(tenant)
    first, second = await add(tenant, customer), await add(tenant, customer)

    answer = await _set(gql, admin, customer, "INACTIVE")

    assert answer["__typename"] == "InactivationBlocked"
    ids = [gid(pk, type_name) for pk in sorted([first, second])]  # listed in id order
    assert answer["blockers"] == [{"kind": kind, "count": 2, "ids": ids}]
    assert await status_of(customer) == "active"
    assert await audit_entries(tenant, "customer.status_change") == []


async def test_several_kinds_are_listed_together_and_the_customer_goes_once_they_are_cleared(gql, company, factory):
    tenant, admin = company
    await set_blockers(tenant, ALL_KINDS)
    customer = await factory.customer(tenant)
    conversation = await add_open_conversation(tenant, customer)
    task = await add_task(tenant, customer)
    await add_task(tenant, customer, "done")  # not open: not a blocker
    contract = await add_contract(tenant, customer, "ended")  # ended: not a blocker
    assert contract

    answer = await _set(gql, admin, customer, "INACTIVE")
    assert [(b["kind"], b["count"]) for b in answer["blockers"]] == [("OPEN_CONVERSATIONS", 1), ("OPEN_TASKS", 1)]
    assert answer["blockers"][0]["ids"] == [gid(conversation, "Conversation")]
    assert answer["blockers"][1]["ids"] == [gid(task, "Task")]

    await execute(Sql("UPDATE conversation SET status = 'closed' WHERE id = %s", conversation))
    await execute(Sql("UPDATE task SET status = 'done' WHERE id = %s", task))
    done = await _set(gql, admin, customer, "INACTIVE")
    assert done["__typename"] == "SetCustomerStatusSuccess"
    assert done["customer"]["status"] == "INACTIVE" and done["customer"]["version"] == 2


async def test_the_default_setting_counts_open_conversations_and_active_contracts_only(gql, company, factory):
    tenant, admin = company
    settings = await gql.data("{ tenant { settings { inactivationBlockers } } }", as_=admin)
    assert settings["tenant"]["settings"]["inactivationBlockers"] == ["OPEN_CONVERSATIONS", "ACTIVE_CONTRACTS"]
    with_task = await factory.customer(tenant)
    await add_task(tenant, with_task)
    pending = await factory.customer(tenant)
    await add_contract(tenant, pending, "pending_adjustment")
    active = await factory.customer(tenant)
    await add_contract(tenant, active, "active")

    assert (await _set(gql, admin, with_task, "INACTIVE"))["__typename"] == "SetCustomerStatusSuccess"
    assert (await _set(gql, admin, pending, "INACTIVE"))["__typename"] == "SetCustomerStatusSuccess"
    assert (await _set(gql, admin, active, "INACTIVE"))["__typename"] == "InactivationBlocked"


async def test_changing_the_setting_changes_which_kinds_block(gql, company, factory):
    tenant, admin = company
    customer = await factory.customer(tenant)
    await add_open_conversation(tenant, customer)
    task = await add_task(tenant, customer)

    changed = await gql.data(SETTINGS, {"i": {"inactivationBlockers": ["OPEN_TASKS", "OPEN_TASKS"]}}, as_=admin)
    assert changed["updateTenantSettings"]["tenant"]["settings"]["inactivationBlockers"] == ["OPEN_TASKS"]
    answer = await _set(gql, admin, customer, "INACTIVE")
    assert answer["blockers"] == [{"kind": "OPEN_TASKS", "count": 1, "ids": [gid(task, "Task")]}]

    await gql.data(SETTINGS, {"i": {"inactivationBlockers": []}}, as_=admin)
    assert (await _set(gql, admin, customer, "INACTIVE"))["__typename"] == "SetCustomerStatusSuccess"

    seller = await factory.user(tenant, "seller")
    refused = await gql.post(SETTINGS, {"i": {"inactivationBlockers": []}}, as_=seller)
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_reactivation_writes_history_and_audit(gql, company, factory):
    tenant, admin = company
    customer = await factory.customer(tenant)

    assert (await _set(gql, admin, customer, "INACTIVE"))["customer"]["status"] == "INACTIVE"
    again = await _set(gql, admin, customer, "ACTIVE", expectedVersion=2)
    assert again["customer"] == {"id": gid(customer), "status": "ACTIVE", "version": 3}
    stale = await _set(gql, admin, customer, "INACTIVE", expectedVersion=2)
    assert stale == {"__typename": "VersionConflict", "currentVersion": 3}

    entries = await audit_entries(tenant, "customer.status_change")
    assert [(e["before"], e["after"]) for e in entries] == [
        ({"status": "ACTIVE"}, {"status": "INACTIVE"}),
        ({"status": "INACTIVE"}, {"status": "ACTIVE"}),
    ]
    assert all(e["object_id"] == customer and e["actor_id"] == admin.id for e in entries)
    events = await fetch(
        Sql("SELECT kind, data FROM customer_event WHERE customer_id = %s ORDER BY created_at", customer)
    )
    assert [(e["kind"], e["data"]["changes"]["status"]) for e in events] == [
        ("updated", ["active", "inactive"]),
        ("updated", ["inactive", "active"]),
    ]


async def test_setting_the_status_it_already_has_changes_nothing(gql, company, factory):
    tenant, admin = company
    customer = await factory.customer(tenant)
    same = await _set(gql, admin, customer, "ACTIVE")
    assert same["customer"]["version"] == 1
    assert await audit_entries(tenant, "customer.status_change") == []


async def test_update_customer_cannot_bypass_the_blockers(gql, company, factory):
    tenant, admin = company
    customer = await factory.customer(tenant)
    await add_open_conversation(tenant, customer)

    refused = (await gql.data(UPDATE_CUSTOMER, {"i": {"id": gid(customer), "status": "INACTIVE"}}, as_=admin))[
        "updateCustomer"
    ]
    assert refused == {"__typename": "InactivationBlocked", "blockers": [{"kind": "OPEN_CONVERSATIONS", "count": 1}]}
    assert await status_of(customer) == "active"

    await execute(Sql("UPDATE conversation SET status = 'closed' WHERE customer_id = %s", customer))
    done = (await gql.data(UPDATE_CUSTOMER, {"i": {"id": gid(customer), "status": "INACTIVE"}}, as_=admin))[
        "updateCustomer"
    ]
    assert done["customer"]["status"] == "INACTIVE"
    [entry] = await audit_entries(tenant, "customer.status_change")
    assert entry["after"] == {"status": "INACTIVE"}


async def test_a_seller_sets_the_status_of_customers_in_their_scope_only(gql, company, factory):
    tenant, _ = company
    team = await factory.team(tenant)
    seller = await factory.user(tenant, "seller", teams=[team])
    mine = await factory.customer(tenant, owner=seller)
    teams = await factory.customer(tenant, teams=[team])
    other = await factory.customer(tenant)

    assert (await _set(gql, seller, mine, "INACTIVE"))["customer"]["status"] == "INACTIVE"
    assert (await _set(gql, seller, teams, "INACTIVE"))["customer"]["status"] == "INACTIVE"
    assert (await _set(gql, seller, other, "INACTIVE"))["__typename"] == "NotFound"
    assert await status_of(other) == "active"


async def test_a_role_without_the_grant_is_forbidden_and_update_customer_checks_it_too(
    gql, company, factory, policy_edit
):
    tenant, admin = company
    customer = await factory.customer(tenant)

    await policy_edit(lambda text: text.replace("p, admin, *, customer, status, all\n", ""))
    refused = await gql.post(SET_STATUS, {"i": {"id": gid(customer), "status": "INACTIVE"}}, as_=admin)
    assert error_codes(refused) == ["FORBIDDEN"]
    via_update = await gql.post(UPDATE_CUSTOMER, {"i": {"id": gid(customer), "status": "INACTIVE"}}, as_=admin)
    assert error_codes(via_update) == ["FORBIDDEN"]
    # other fields still update without the grant
    renamed = await gql.data(UPDATE_CUSTOMER, {"i": {"id": gid(customer), "name": "Renamed"}}, as_=admin)
    assert renamed["updateCustomer"]["__typename"] == "UpdateCustomerSuccess"
    assert await status_of(customer) == "active"
