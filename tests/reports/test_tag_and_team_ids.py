"""Reports group by the tag and team ids each customer row carries (migration 0033); PostgreSQL
keeps them equal to the links through every write path, also when requests race."""

from __future__ import annotations

import asyncio
from typing import Any

from models import Role
from models.db import fetchval
from models.sql import Sql
from tests.helpers import gid
from tests.link_arrays import LINKS_OUT_OF_STEP, links_out_of_step
from tests.queries import ADD_TAGS, CREATE, REMOVE_TAGS
from tests.reports.helpers import counts, dims, preview
from tests.teams.test_teams import ATTACH, DETACH

MERGE = """mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  __typename ... on MergeCustomersSuccess { merge { id } } } }"""
UNDO = "mutation($input: UndoMergeInput!) { undoMerge(input: $input) { __typename } }"
DELETE_TAG = "mutation($i: DeleteTagInput!) { deleteTag(input: $i) { __typename } }"
DELETE_TEAM = "mutation($i: DeleteTeamInput!) { deleteTeam(input: $i) { __typename } }"
TAGS = "{ tags { tag { id name } } }"


async def _by(gql: Any, admin: Any, kind: str) -> dict[tuple[Any, ...], int]:
    return counts(await preview(gql, admin, {"groupBy": dims(kind)}))


async def test_tag_and_team_groups_follow_every_change_through_the_api(gql, factory):
    tenant = await factory.tenant(allow_duplicates=True)
    admin = await factory.user(tenant, Role.ADMIN)
    north, south = await factory.team(tenant, "North"), await factory.team(tenant, "South")
    ana = (await gql.data(CREATE, {"input": {"name": "Ana", "tags": ["VIP", "Lead"]}}, as_=admin))["createCustomer"]
    bia = (await gql.data(CREATE, {"input": {"name": "Bia", "tags": ["VIP"]}}, as_=admin))["createCustomer"]
    ana_id, bia_id = ana["customer"]["id"], bia["customer"]["id"]
    assert await _by(gql, admin, "TAG") == {("VIP",): 2, ("Lead",): 1, ("TOTAL",): 2}

    await gql.data(ADD_TAGS, {"input": {"customerId": bia_id, "tags": ["Lead", "Wholesale"]}}, as_=admin)
    await gql.data(REMOVE_TAGS, {"input": {"customerId": ana_id, "tags": ["VIP"]}}, as_=admin)
    assert await _by(gql, admin, "TAG") == {("Lead",): 2, ("VIP",): 1, ("Wholesale",): 1, ("TOTAL",): 2}

    await gql.data(ATTACH, {"i": {"teamId": gid(north, "Team"), "customerIds": [ana_id, bia_id]}}, as_=admin)
    await gql.data(ATTACH, {"i": {"teamId": gid(south, "Team"), "customerIds": [bia_id]}}, as_=admin)
    await gql.data(DETACH, {"i": {"teamId": gid(north, "Team"), "customerIds": [bia_id]}}, as_=admin)
    assert await _by(gql, admin, "TEAM") == {("North",): 1, ("South",): 1, ("TOTAL",): 2}

    # A merge moves the duplicate's links to the primary (dropping the ones it already has); undoing
    # it moves them back.
    merged = await gql.data(MERGE, {"input": {"primaryId": ana_id, "duplicateIds": [bia_id]}}, as_=admin)
    assert await _by(gql, admin, "TAG") == {("Lead",): 1, ("VIP",): 1, ("Wholesale",): 1, ("TOTAL",): 1}
    assert await _by(gql, admin, "TEAM") == {("North",): 1, ("South",): 1, ("TOTAL",): 1}
    undone = await gql.data(UNDO, {"input": {"mergeId": merged["mergeCustomers"]["merge"]["id"]}}, as_=admin)
    assert undone["undoMerge"]["__typename"] == "UndoMergeSuccess"
    assert await _by(gql, admin, "TAG") == {("Lead",): 2, ("VIP",): 1, ("Wholesale",): 1, ("TOTAL",): 2}
    assert await _by(gql, admin, "TEAM") == {("North",): 1, ("South",): 1, ("TOTAL",): 2}

    # Deleting a tag or a team takes it off every customer (a cascade in the database).
    lead = next(t["tag"]["id"] for t in (await gql.data(TAGS, as_=admin))["tags"] if t["tag"]["name"] == "Lead")
    await gql.data(DELETE_TAG, {"i": {"id": lead}}, as_=admin)
    await gql.data(DELETE_TEAM, {"i": {"id": gid(south, "Team")}}, as_=admin)
    assert await _by(gql, admin, "TAG") == {("VIP",): 1, ("Wholesale",): 1, (None,): 1, ("TOTAL",): 2}
    assert await _by(gql, admin, "TEAM") == {("North",): 1, (None,): 1, ("TOTAL",): 2}
    assert await links_out_of_step(tenant.id) == []
    # A customer with none holds NULL, not an empty array (which would widen every row).
    assert (
        await fetchval(
            Sql("SELECT count(*) FROM customer WHERE tenant_id = %s AND (tag_ids = '{}' OR team_ids = '{}')", tenant.id)
        )
        == 0
    )
    assert (
        await fetchval(Sql("SELECT count(*) FROM customer WHERE tenant_id = %s AND team_ids IS NULL", tenant.id)) == 1
    )


async def test_tagging_one_customer_from_many_requests_at_once_loses_no_tag(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    created = (await gql.data(CREATE, {"input": {"name": "Ana", "tags": ["Start"]}}, as_=admin))["createCustomer"]
    customer = created["customer"]["id"]
    names = [f"T{i}" for i in range(12)]

    async def add(name: str) -> Any:
        return await gql.data(ADD_TAGS, {"input": {"customerId": customer, "tags": [name, "Shared"]}}, as_=admin)

    async def remove() -> Any:
        return await gql.data(REMOVE_TAGS, {"input": {"customerId": customer, "tags": ["Start"]}}, as_=admin)

    await asyncio.gather(*(add(n) for n in names), remove())

    by_tag = await _by(gql, admin, "TAG")
    assert by_tag == {**{(n,): 1 for n in names}, ("Shared",): 1, ("TOTAL",): 1}
    assert await links_out_of_step(tenant.id) == []


async def test_the_check_itself_sees_a_customer_out_of_step(factory):
    from models.db import execute

    tenant = await factory.tenant()
    pk = await factory.customer(tenant)
    await execute(Sql("UPDATE customer SET tag_ids = ARRAY[gen_random_uuid()] WHERE id = %s", pk))

    assert await links_out_of_step(tenant.id) == [pk]
    assert "tag_ids" in LINKS_OUT_OF_STEP and "team_ids" in LINKS_OUT_OF_STEP
    await execute(Sql("UPDATE customer SET tag_ids = NULL WHERE id = %s", pk))


async def test_two_transactions_linking_one_customer_at_once_both_land(database_url, factory):
    """Below the API (an import, a bulk attach): the second writer waits for the first's lock on the
    customer row and then appends to the row as committed, never to what its snapshot saw."""
    import asyncpg

    from server.database import asyncpg_params

    tenant = await factory.tenant()
    pk = await factory.customer(tenant)
    first, second = await factory.team(tenant, "First"), await factory.team(tenant, "Second")
    one = await asyncpg.connect(**asyncpg_params(database_url))
    two = await asyncpg.connect(**asyncpg_params(database_url))
    link = "INSERT INTO customer_team (tenant_id, customer_id, team_id) VALUES ($1, $2, $3)"
    try:
        await one.execute("BEGIN")
        await one.execute(link, tenant.id, pk, first)
        await two.execute("BEGIN")
        waiting = asyncio.create_task(two.execute(link, tenant.id, pk, second))
        for _ in range(100):  # until the second writer waits for the first's row lock
            blocked = await _waits_for_a_lock(one, two)
            if blocked:
                break
            await asyncio.sleep(0.02)
        assert blocked
        await one.execute("COMMIT")
        await waiting
        await two.execute("COMMIT")
    finally:
        await one.close()
        await two.close()

    assert await links_out_of_step(tenant.id) == []


async def _waits_for_a_lock(observer: Any, waiter: Any) -> bool:
    pid = waiter.get_server_pid()
    return bool(await observer.fetchval("SELECT cardinality(pg_blocking_pids($1)) > 0", pid))
