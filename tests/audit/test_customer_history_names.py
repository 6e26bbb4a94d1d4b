"""A customer's history names the owner by global id and name, fields and enums as the API spells
them, on the compiled read path and on the general executor alike."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schema.compile import execution
from tests.factories import Factory, gid

HISTORY = """query($id: ID!) { customer(id: $id) { timeline(first: 20, kinds: [HISTORY]) { nodes {
  ... on HistoryEntry { kind changes { field before after } } } } } }"""
UPDATE = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }"


@pytest.fixture(params=["compiled", "general"])
def read_path(request: pytest.FixtureRequest) -> Any:
    execution.ENABLED = request.param == "compiled"
    yield request.param
    execution.ENABLED = True


async def test_the_owner_is_named_and_values_spelled_as_the_api_spells_them(
    gql: Any, factory: Factory, read_path: str
) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller", name="Sol Seller")
    customer = await factory.customer(tenant, name="Bia")
    input_ = {
        "id": gid("Customer", customer),
        "ownerId": seller.gid,
        "email": "Bia@Example.com",
        "status": "INACTIVE",
        "originChannel": "WHATSAPP",
    }
    assert (await gql.data(UPDATE, {"i": input_}, as_=admin))["updateCustomer"]["__typename"] == "UpdateCustomerSuccess"

    data = await gql.data(HISTORY, {"id": gid("Customer", customer)}, as_=admin)
    [entry] = [e for e in data["customer"]["timeline"]["nodes"] if e["kind"] == "UPDATED"]
    changes = {c["field"]: (c["before"], c["after"]) for c in entry["changes"]}
    assert changes["owner"] == (None, {"id": seller.gid, "name": "Sol Seller"})
    assert changes["email"] == (None, "Bia@Example.com")
    assert changes["status"] == ("ACTIVE", "INACTIVE") and changes["originChannel"] == ("MANUAL", "WHATSAPP")
    text = json.dumps(entry)
    assert "normalized" not in text and "owner_id" not in text and str(seller.id) not in text
