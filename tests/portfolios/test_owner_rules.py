"""Only active sellers hold customers: every path that sets an owner refuses anyone else."""

from __future__ import annotations

import pytest

from authz.authenticate import forget_principals
from models.db import execute
from models.sql import Sql
from tests.helpers import gid, tenant_fingerprint

CREATE = """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename
  ... on ValidationFailed { fields { field code message } } } }"""
UPDATE = """mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename
  ... on ValidationFailed { fields { field code message } } } }"""
TRANSFER = """mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) { __typename
  ... on ValidationFailed { fields { field code message } } } }"""
MERGE = """mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename
  ... on ValidationFailed { fields { field code message } } } }"""
PORTFOLIOS = "{ portfolios { seller { name role isActive } customerCount } }"


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin", name="Alice")
    supervisor = await factory.user(tenant, "supervisor", name="Sueli")
    seller = await factory.user(tenant, "seller", name="Sam")
    customer = await factory.customer(tenant, name="Maria", owner=seller)
    return tenant, admin, supervisor, seller, customer


@pytest.mark.parametrize("target", ["admin", "supervisor"])
async def test_no_path_makes_an_admin_or_supervisor_an_owner(gql, shop, target):
    tenant, admin, supervisor, _seller, customer = shop
    user = {"admin": admin, "supervisor": supervisor}[target]
    before = await tenant_fingerprint(tenant.id)

    attempts = [
        (CREATE, {"name": "New", "ownerId": user.gid}, "ownerId"),
        (UPDATE, {"id": gid(customer), "ownerId": user.gid}, "ownerId"),
        (TRANSFER, {"customerIds": [gid(customer)], "toSellerId": user.gid}, "toSellerId"),
    ]
    for document, variables, field in attempts:
        data = await gql.data(document, {"i": variables}, as_=supervisor)
        (result,) = data.values()
        assert result["__typename"] == "ValidationFailed", (document, result)
        assert [(f["field"], f["code"]) for f in result["fields"]] == [(field, "NOT_ALLOWED")]
        assert (
            result["fields"][0]["message"]
            == f"is {'an' if target == 'admin' else 'a'} {target}: only sellers hold customers in a portfolio"
        )
    assert await tenant_fingerprint(tenant.id) == before


async def test_a_deactivated_seller_takes_no_customers(gql, factory, shop):
    tenant, admin, _supervisor, _seller, customer = shop
    gone = await factory.user(tenant, "seller")
    await execute(Sql("UPDATE app_user SET is_active = false WHERE id = %s", gone.id))
    forget_principals()  # written behind the API's back: read afresh now

    data = await gql.data(TRANSFER, {"i": {"customerIds": [gid(customer)], "toSellerId": gone.gid}}, as_=admin)

    assert data["transferCustomers"]["fields"][0]["field"] == "toSellerId"
    assert data["transferCustomers"]["fields"][0]["code"] == "UNKNOWN"


async def test_a_merge_does_not_hand_the_customer_to_a_non_seller(gql, factory, shop):
    tenant, admin, supervisor, _seller, _customer = shop
    primary = await factory.customer(tenant, name="Primary")
    held = await factory.customer(tenant, name="Held by a supervisor", owner=supervisor)  # from before the rule

    data = await gql.data(MERGE, {"i": {"primaryId": gid(primary), "duplicateIds": [gid(held)]}}, as_=admin)

    assert data["mergeCustomers"]["__typename"] == "ValidationFailed"
    assert [f["field"] for f in data["mergeCustomers"]["fields"]] == ["fieldChoices.owner"]


async def test_customers_held_by_someone_who_is_no_seller_still_show_in_portfolios(gql, factory, shop):
    tenant, admin, supervisor, _seller, _customer = shop
    await factory.customer(tenant, name="Legacy", owner=supervisor)
    promoted = await factory.user(tenant, "seller", name="Pedro")
    await factory.customer(tenant, name="Pedro's", owner=promoted)
    await execute(Sql("UPDATE app_user SET is_active = false WHERE id = %s", promoted.id))
    forget_principals()  # written behind the API's back: read afresh now

    data = await gql.data(PORTFOLIOS, as_=admin)

    rows = {
        (p["seller"]["name"], p["seller"]["role"], p["seller"]["isActive"]): p["customerCount"]
        for p in data["portfolios"]
    }
    assert rows == {("Sam", "SELLER", True): 1, ("Sueli", "SUPERVISOR", True): 1, ("Pedro", "SELLER", False): 1}
