"""An import cannot inactivate a customer that setCustomerStatus would refuse to."""

from __future__ import annotations

from tests.imports.support import actions, csv_bytes, start, uploaded
from tests.lifecycle.support import add_open_conversation, status_of
from tests.queries import CREATE


async def _customer(gql, as_, **data):
    created = await gql.data(CREATE, {"input": data}, as_=as_)
    return created["createCustomer"]["customer"]


async def test_an_upsert_row_inactivating_a_blocked_customer_fails_and_the_others_go_through(gql, factory):
    from schema.node import parse_id

    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    busy = await _customer(gql, admin, name="Busy", email="busy@example.com")
    calm = await _customer(gql, admin, name="Calm", email="calm@example.com")
    busy_pk, calm_pk = parse_id(busy["id"], "Customer"), parse_id(calm["id"], "Customer")
    await add_open_conversation(tenant, busy_pk)
    content = csv_bytes(
        [["name", "email", "status"], ["Busy", "busy@example.com", "inativo"], ["Calm", "calm@example.com", "inativo"]]
    )
    imp = await uploaded(gql, admin, content)

    done = await start(gql, admin, imp["id"], mode="UPSERT")

    assert actions(done) == {2: "ERROR", 3: "UPDATE"}
    [failed] = [r for r in done["rows"]["nodes"] if r["rowNumber"] == 2]
    assert [(e["field"], e["code"]) for e in failed["errors"]] == [("status", "NOT_ALLOWED")]
    assert "open conversations" in failed["errors"][0]["message"]
    assert await status_of(busy_pk) == "active" and await status_of(calm_pk) == "inactive"
