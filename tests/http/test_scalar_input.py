"""Scalars are decoded strictly: a value the database cannot take is a typed error, never a 500."""

from __future__ import annotations

import pytest

from tests.helpers import error_codes, gid

PURCHASE = """
mutation($customer: ID!, $at: DateTime!) {
  recordPurchase(input: {customerId: $customer, amount: "10.00", currency: "BRL", occurredAt: $at}) { __typename }
}
"""
MY_TASKS = "query($before: DateTime) { myTasks(dueBefore: $before) { totalCount } }"
OUT_OF_RANGE = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.fixture
async def admin(factory):
    tenant = await factory.tenant()
    return await factory.user(tenant, "admin")


@pytest.mark.parametrize("at", OUT_OF_RANGE)
async def test_a_date_time_outside_the_representable_range_is_refused(gql, factory, admin, at):
    customer = await factory.customer(admin.tenant, name="Ana")
    purchase = await gql.post(PURCHASE, {"customer": gid(customer), "at": at}, as_=admin)
    tasks = await gql.post(MY_TASKS, {"before": at}, as_=admin)
    literal = await gql.post(f'{{ myTasks(dueBefore: "{at}") {{ totalCount }} }}', as_=admin)

    for body in (purchase, tasks, literal):
        assert body["data"] is None
        assert error_codes(body) == ["BAD_REQUEST"]
        assert "outside the years 1 to 9999" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59.999999+00:00", "2026-12-07T10:00:00-03:00"]
)
async def test_date_times_at_the_edges_of_the_range_are_accepted(gql, admin, at):
    body = await gql.post(MY_TASKS, {"before": at}, as_=admin)

    assert body == {"data": {"myTasks": {"totalCount": 0}}}
