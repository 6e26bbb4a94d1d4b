"""Portfolios: whose customers a list shows, bulk moves, and the overview."""

from __future__ import annotations

import pytest

from models.db import fetch
from models.sql import Sql
from resolvers.portfolios import MAX_BULK
from tests.helpers import error_codes, gid, tenant_fingerprint

LIST = """
query($portfolio: Portfolio, $sellerId: ID, $search: String) {
  customers(first: 100, portfolio: $portfolio, sellerId: $sellerId, search: $search) { totalCount nodes { name } }
}
"""
TRANSFER = """
mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) {
  __typename ... on BulkSuccess { changed } ... on NotFound { message id } ... on ValidationFailed { fields { field code } } } }
"""
REMOVE = """
mutation($i: RemoveFromPortfolioInput!) { removeFromPortfolio(input: $i) {
  __typename ... on BulkSuccess { changed } ... on NotFound { id } ... on ValidationFailed { fields { field code } } } }
"""


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant()
    team = await factory.team(tenant)
    admin = await factory.user(tenant, "admin")
    supervisor = await factory.user(tenant, "supervisor")
    ana = await factory.user(tenant, "seller", teams=[team], name="Ana")
    bruno = await factory.user(tenant, "seller", name="Bruno")
    ids = {
        "ana1": await factory.customer(tenant, name="Ana Silva", owner=ana),
        "ana2": await factory.customer(tenant, name="Ana Souza", owner=ana),
        "bruno1": await factory.customer(tenant, name="Bruno Lima", owner=bruno),
        "bruno_team": await factory.customer(tenant, name="Bruno Team Silva", owner=bruno, teams=[team]),
        "free": await factory.customer(tenant, name="Free Silva"),
    }
    return tenant, admin, supervisor, ana, bruno, ids


async def names(gql, user, **variables):
    data = await gql.data(LIST, variables, as_=user)
    return sorted(n["name"] for n in data["customers"]["nodes"]), data["customers"]["totalCount"]


async def test_sellers_start_on_their_own_portfolio_and_may_widen_to_what_they_see(gql, shop):
    _, _, _, ana, _, _ = shop

    assert await names(gql, ana) == (["Ana Silva", "Ana Souza"], 2)
    assert await names(gql, ana, portfolio="ALL") == (["Ana Silva", "Ana Souza", "Bruno Team Silva"], 3)
    assert await names(gql, ana, portfolio="UNASSIGNED") == ([], 0)  # unassigned, but not visible to her


async def test_admins_and_supervisors_start_on_all_and_pick_any_portfolio(gql, shop):
    _, admin, supervisor, _ana, bruno, _ = shop

    for user in (admin, supervisor):
        assert (await names(gql, user))[1] == 5
        assert await names(gql, user, portfolio="UNASSIGNED") == (["Free Silva"], 1)
        assert await names(gql, user, portfolio="SELLER", sellerId=bruno.gid) == (["Bruno Lima", "Bruno Team Silva"], 2)
        assert await names(gql, user, portfolio="MINE") == ([], 0)


async def test_search_runs_inside_the_chosen_portfolio(gql, shop):
    _, admin, _, ana, bruno, _ = shop

    assert await names(gql, admin, portfolio="SELLER", sellerId=bruno.gid, search="silva") == (["Bruno Team Silva"], 1)
    assert await names(gql, ana, search="silva") == (["Ana Silva"], 1)
    assert await names(gql, ana, portfolio="ALL", search="silva") == (["Ana Silva", "Bruno Team Silva"], 2)


async def test_portfolio_arguments_are_checked(gql, shop):
    _, admin, _, _, bruno, _ = shop

    missing = await gql.post(LIST, {"portfolio": "SELLER"}, as_=admin)
    stray = await gql.post(LIST, {"portfolio": "MINE", "sellerId": bruno.gid}, as_=admin)

    assert missing["errors"][0]["extensions"]["fields"][0] == {
        "field": "sellerId",
        "code": "REQUIRED",
        "message": "is required with portfolio: SELLER",
    }
    assert error_codes(stray) == ["BAD_USER_INPUT"]


async def test_transfer_moves_customers_and_records_it(gql, shop):
    tenant, _, supervisor, ana, bruno, ids = shop

    data = await gql.data(
        TRANSFER,
        {"i": {"customerIds": [gid(ids["ana1"]), gid(ids["free"]), gid(ids["bruno1"])], "toSellerId": bruno.gid}},
        as_=supervisor,
    )

    assert data["transferCustomers"] == {"__typename": "BulkSuccess", "changed": 2}  # bruno1 was already his
    assert await names(gql, bruno) == (["Ana Silva", "Bruno Lima", "Bruno Team Silva", "Free Silva"], 4)
    events = await fetch(
        Sql(
            "SELECT customer_id, kind, data FROM customer_event WHERE tenant_id = %s AND kind = 'transferred'",
            tenant.id,
        )
    )
    assert {e["customer_id"] for e in events} == {ids["ana1"], ids["free"]}
    moved = {e["customer_id"]: e["data"]["changes"]["owner_id"] for e in events}
    assert moved[ids["ana1"]] == [str(ana.id), str(bruno.id)]
    assert moved[ids["free"]] == [None, str(bruno.id)]


async def test_remove_from_portfolio(gql, shop):
    _, admin, _, ana, _, ids = shop

    data = await gql.data(REMOVE, {"i": {"customerIds": [gid(ids["ana1"]), gid(ids["ana2"])]}}, as_=admin)

    assert data["removeFromPortfolio"]["changed"] == 2
    assert await names(gql, ana) == ([], 0)
    assert (await names(gql, admin, portfolio="UNASSIGNED"))[1] == 3


@pytest.mark.parametrize("mutation", [TRANSFER, REMOVE])
async def test_a_seller_gets_forbidden_and_nothing_changes(gql, shop, mutation):
    tenant, _, _, ana, bruno, ids = shop
    before = await tenant_fingerprint(tenant.id)
    variables = {"customerIds": [gid(ids["ana1"])]}
    if mutation is TRANSFER:
        variables["toSellerId"] = bruno.gid

    body = await gql.post(mutation, {"i": variables}, as_=ana)

    assert error_codes(body) == ["FORBIDDEN"]
    assert await tenant_fingerprint(tenant.id) == before


async def test_bulk_is_all_or_nothing_when_an_id_is_unknown(gql, factory, shop):
    tenant, admin, _, _, bruno, ids = shop
    elsewhere = await factory.customer(await factory.tenant(), name="Other tenant")
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(
        TRANSFER,
        {"i": {"customerIds": [gid(ids["ana1"]), gid(elsewhere), gid(ids["free"])], "toSellerId": bruno.gid}},
        as_=admin,
    )

    assert data["transferCustomers"]["__typename"] == "NotFound"
    assert await tenant_fingerprint(tenant.id) == before


async def test_bulk_is_all_or_nothing_on_a_failure_in_the_middle(gql, shop, monkeypatch):
    from resolvers import history

    tenant, admin, _, _, bruno, ids = shop
    before = await tenant_fingerprint(tenant.id)
    calls = []
    original = history.record

    async def fail_second(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return await original(*args, **kwargs)

    monkeypatch.setattr(history, "record", fail_second)
    body = await gql.post(
        TRANSFER, {"i": {"customerIds": [gid(ids["ana1"]), gid(ids["free"])], "toSellerId": bruno.gid}}, as_=admin
    )

    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert len(calls) == 2  # the first group was written, then the failure rolled everything back
    assert await tenant_fingerprint(tenant.id) == before


async def test_the_batch_size_is_capped(gql, shop):
    import uuid

    _tenant, admin, _, _, bruno, _ = shop
    too_many = [gid(uuid.uuid4()) for _ in range(MAX_BULK + 1)]

    data = await gql.data(TRANSFER, {"i": {"customerIds": too_many, "toSellerId": bruno.gid}}, as_=admin)

    assert data["transferCustomers"]["fields"] == [{"field": "customerIds", "code": "TOO_MANY"}]


async def test_the_target_seller_must_exist_here(gql, factory, shop):
    _tenant, admin, _, _, _, ids = shop
    stranger = await factory.user(await factory.tenant(), "seller")

    data = await gql.data(TRANSFER, {"i": {"customerIds": [gid(ids["ana1"])], "toSellerId": stranger.gid}}, as_=admin)

    assert data["transferCustomers"]["fields"] == [{"field": "toSellerId", "code": "UNKNOWN"}]


async def test_portfolios_overview(gql, shop):
    from models.db import execute

    _tenant, _, supervisor, ana, _bruno, ids = shop
    await execute(Sql("UPDATE customer SET last_contacted_at = '2026-01-02T10:00:00Z' WHERE id = %s", ids["ana2"]))
    query = "{ portfolios { seller { name } customerCount lastContactedAt } }"

    data = await gql.data(query, as_=supervisor)
    refused = await gql.post(query, as_=ana)

    assert data["portfolios"] == [
        {"seller": {"name": "Ana"}, "customerCount": 2, "lastContactedAt": "2026-01-02T10:00:00+00:00"},
        {"seller": {"name": "Bruno"}, "customerCount": 2, "lastContactedAt": None},
    ]
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_only_assigners_choose_the_owner_when_editing(gql, shop):
    _, _, supervisor, ana, bruno, ids = shop
    update = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }"

    refused = await gql.post(update, {"i": {"id": gid(ids["ana1"]), "ownerId": bruno.gid}}, as_=ana)
    allowed = await gql.data(update, {"i": {"id": gid(ids["ana1"]), "ownerId": bruno.gid}}, as_=supervisor)

    assert error_codes(refused) == ["FORBIDDEN"]
    assert allowed["updateCustomer"]["__typename"] == "UpdateCustomerSuccess"
