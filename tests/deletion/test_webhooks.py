"""A confirmed deletion and a restore are announced to the company's webhooks."""

from __future__ import annotations

from tests.conftest import GraphQLClient
from tests.deletion.conftest import Outbox
from tests.deletion.queries import RESTORE
from tests.deletion.test_flow import create, delete
from tests.factories import Factory
from tests.webhooks.conftest import receiver  # noqa: F401  (the fixture)
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import create_webhook, deliver


async def test_deletion_and_restore_are_sent_without_the_customers_data(
    gql: GraphQLClient,
    factory: Factory,
    outbox: Outbox,
    receiver: Receiver,  # noqa: F811
) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    kept = await create(gql, admin, "Stays Here", phone="+55 11 98888-1111")
    gone = await create(gql, admin, "Leaves Soon", phone="+55 11 98888-2222", email="leaves@example.com")
    await create_webhook(gql, admin, receiver.url, ["CUSTOMER_DELETED", "CUSTOMER_RESTORED"])

    refused = await gql.data(
        "mutation($ids: [ID!]!) { requestCustomerDeletion(input: {customerIds: $ids}) { __typename } }",
        {"ids": [kept["id"], "Q3VzdG9tZXI6bm8="]},
        as_=admin,
    )
    assert refused["requestCustomerDeletion"]["__typename"] != "DeletionRequested"
    assert (await delete(gql, admin, outbox, [gone["id"]]))["__typename"] == "CustomersDeleted"
    await deliver()
    (deleted,) = receiver.bodies()
    assert deleted["type"] == "customer.deleted"
    # Only its id: the deleted customer's data no longer leaves the server.
    assert deleted["data"] == {"id": gone["id"]}
    assert "purgeAfter" in deleted["details"]
    assert "leaves@example.com" not in str(deleted)
    receiver.received.clear()

    restored = await gql.data(RESTORE, {"id": gone["id"]}, as_=admin)
    assert restored["restoreCustomer"]["__typename"] == "CustomerRestored"
    await deliver()
    (back,) = receiver.bodies()
    assert (back["type"], back["data"]["id"], back["data"]["name"]) == ("customer.restored", gone["id"], "Leaves Soon")
