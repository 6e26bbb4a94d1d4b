"""Impact, request and confirm with a code, vanishing from every read, released keys, restore."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from models.db import execute, fetchval
from models.sql import Sql
from resolvers import clock
from tests.conftest import GraphQLClient
from tests.deletion.conftest import Outbox, seed_profile
from tests.deletion.queries import CONFIRM, IMPACT, REQUEST, RESTORE
from tests.factories import Factory, UserRef
from tests.helpers import error_codes, gid
from tests.queries import CREATE

PHONE = "+55 11 98765-4321"


async def create(gql: GraphQLClient, admin: UserRef, name: str, phone: str = PHONE, **more: Any) -> dict[str, Any]:
    data = await gql.data(CREATE, {"input": {"name": name, "phone": phone, **more}}, as_=admin)
    result = data["createCustomer"]
    assert result["__typename"] == "CreateCustomerSuccess", result
    return dict(result["customer"])


def pk(global_id: str) -> UUID:
    from schema.node import from_global_id

    parsed = from_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def delete(gql: GraphQLClient, admin: UserRef, outbox: Outbox, ids: list[str]) -> dict[str, Any]:
    asked = (await gql.data(REQUEST, {"ids": ids}, as_=admin))["requestCustomerDeletion"]
    assert asked["__typename"] == "DeletionRequested", asked
    done = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": outbox.last_code}, as_=admin)
    return dict(done["confirmCustomerDeletion"])


async def test_impact_counts_every_related_record(gql: GraphQLClient, factory: Factory, count_statements: Any) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    team = await factory.team(tenant)
    a = await factory.customer(tenant, owner=admin)
    b = await factory.customer(tenant)
    await seed_profile(tenant.id, a, admin.id, team)
    await seed_profile(tenant.id, b, admin.id)
    with count_statements() as counter:
        data = await gql.data(IMPACT, {"ids": [gid(a), gid(b)]}, as_=admin)
    impact = data["customerDeletionImpact"]
    assert impact["__typename"] == "DeletionImpact"
    by_id = {c["customerId"]: c["counts"] for c in impact["customers"]}
    first = by_id[gid(a)]
    assert (first["notes"], first["tasks"], first["conversations"], first["messages"]) == (2, 1, 1, 3)
    assert (first["appointments"], first["purchases"], first["historyEntries"]) == (1, 1, 1)
    assert (first["portfolioLinks"], first["teamLinks"], first["contracts"]) == (1, 1, 0)
    assert by_id[gid(b)]["portfolioLinks"] == 0 and by_id[gid(b)]["teamLinks"] == 0
    total = impact["total"]
    assert (total["notes"], total["messages"], total["teamLinks"]) == (4, 6, 1)
    assert not impact["blocked"]
    # The credential, the catalogue, who belongs to whom, and one statement for every count.
    assert counter.count <= 5, counter.statements


async def test_full_flow_wrong_code_then_right(gql: GraphQLClient, factory: Factory, outbox: Outbox) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await create(gql, admin, "Ana Souza")
    asked = (await gql.data(REQUEST, {"ids": [customer["id"]]}, as_=admin))["requestCustomerDeletion"]
    assert asked["__typename"] == "DeletionRequested" and asked["customerCount"] == 1
    assert outbox.sent[-1].to_email == admin.email and len(outbox.last_code) == 6
    stored = await fetchval(Sql("SELECT code_hash FROM customer_deletion_request WHERE tenant_id = %s", tenant.id))
    assert outbox.last_code not in stored
    wrong = "000000" if outbox.last_code != "000000" else "111111"
    answer = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": wrong}, as_=admin)
    assert answer["confirmCustomerDeletion"] == {"__typename": "WrongConfirmationCode", "triesLeft": 4}
    assert (await gql.data("query($id: ID!) { customer(id: $id) { id } }", {"id": customer["id"]}, as_=admin))[
        "customer"
    ]
    answer = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": outbox.last_code}, as_=admin)
    done = answer["confirmCustomerDeletion"]
    assert done["__typename"] == "CustomersDeleted" and done["deletedIds"] == [customer["id"]]
    actions = await fetchval(
        Sql(
            "SELECT array_agg(action ORDER BY created_at) FROM audit_entry WHERE tenant_id = %s AND object_id = %s",
            tenant.id,
            pk(customer["id"]),
        )
    )
    assert "customer.delete_request" in actions and "customer.delete" in actions
    # The request is used up.
    again = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": outbox.last_code}, as_=admin)
    assert again["confirmCustomerDeletion"]["__typename"] == "NotFound"


async def test_expired_code(
    gql: GraphQLClient, factory: Factory, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant)
    asked = (await gql.data(REQUEST, {"ids": [gid(customer)]}, as_=admin))["requestCustomerDeletion"]
    later = clock.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    answer = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": outbox.last_code}, as_=admin)
    assert answer["confirmCustomerDeletion"]["__typename"] == "ConfirmationCodeExpired"
    assert await fetchval(Sql("SELECT deleted_at FROM customer WHERE id = %s", customer)) is None


async def test_too_many_tries_kill_the_request(gql: GraphQLClient, factory: Factory, outbox: Outbox) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant)
    asked = (await gql.data(REQUEST, {"ids": [gid(customer)]}, as_=admin))["requestCustomerDeletion"]
    wrong = "000000" if outbox.last_code != "000000" else "111111"
    seen = []
    for _ in range(5):
        answer = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": wrong}, as_=admin)
        seen.append(answer["confirmCustomerDeletion"])
    assert [s.get("triesLeft") for s in seen[:4]] == [4, 3, 2, 1]
    assert seen[4]["__typename"] == "TooManyConfirmationTries"
    right = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": outbox.last_code}, as_=admin)
    assert right["confirmCustomerDeletion"]["__typename"] == "TooManyConfirmationTries"
    assert await fetchval(Sql("SELECT deleted_at FROM customer WHERE id = %s", customer)) is None


async def test_bulk_of_a_thousand_and_the_limit(gql: GraphQLClient, factory: Factory, outbox: Outbox) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await execute(
        Sql(
            "INSERT INTO customer (tenant_id, name, search_text) SELECT %s, 'c' || i, 'c' || i "
            "FROM generate_series(1, 1000) i",
            tenant.id,
        )
    )
    ids = [gid(r) for r in await fetchval(Sql("SELECT array_agg(id) FROM customer WHERE tenant_id = %s", tenant.id))]
    too_many = await gql.data(REQUEST, {"ids": [*ids, gid(await factory.customer(tenant))]}, as_=admin)
    assert too_many["requestCustomerDeletion"]["fields"] == [{"field": "customerIds", "code": "TOO_MANY"}]
    done = await delete(gql, admin, outbox, ids)
    assert done["__typename"] == "CustomersDeleted" and len(done["deletedIds"]) == 1000
    count = await gql.data("{ customers { totalCount } }", as_=admin)
    assert count["customers"]["totalCount"] == 1
    audited = await fetchval(
        Sql(
            "SELECT count(DISTINCT object_id) FROM audit_entry WHERE tenant_id = %s AND action = 'customer.delete'",
            tenant.id,
        )
    )
    assert audited == 1000


async def test_billing_children_block_until_repointed(gql: GraphQLClient, factory: Factory, outbox: Outbox) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    parent = await factory.customer(tenant)
    child = await factory.customer(tenant, billing_parent_id=parent)
    impact = (await gql.data(IMPACT, {"ids": [gid(parent)]}, as_=admin))["customerDeletionImpact"]
    assert impact["blocked"] and impact["customers"][0]["billingChildIds"] == [gid(child)]
    refused = (await gql.data(REQUEST, {"ids": [gid(parent)]}, as_=admin))["requestCustomerDeletion"]
    assert refused == {
        "__typename": "BlockedByBillingChildren",
        "blocked": [{"customerId": gid(parent), "childIds": [gid(child)]}],
    }
    # Asked before a child appears: the confirmation refuses too, and the code stays usable.
    await execute(Sql("UPDATE customer SET billing_parent_id = NULL WHERE id = %s", child))
    asked = (await gql.data(REQUEST, {"ids": [gid(parent)]}, as_=admin))["requestCustomerDeletion"]
    await execute(Sql("UPDATE customer SET billing_parent_id = %s WHERE id = %s", parent, child))
    blocked = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": outbox.last_code}, as_=admin)
    assert blocked["confirmCustomerDeletion"]["__typename"] == "BlockedByBillingChildren"
    await execute(Sql("UPDATE customer SET billing_parent_id = NULL WHERE id = %s", child))
    done = await gql.data(CONFIRM, {"requestId": asked["requestId"], "code": outbox.last_code}, as_=admin)
    assert done["confirmCustomerDeletion"]["__typename"] == "CustomersDeleted"
    # Deleting parent and child together is not blocked.
    p2 = await factory.customer(tenant)
    c2 = await factory.customer(tenant, billing_parent_id=p2)
    assert (await delete(gql, admin, outbox, [gid(p2), gid(c2)]))["__typename"] == "CustomersDeleted"


VANISH = """
query Paths($id: ID!, $search: String!) {
  customer(id: $id) { id }
  node(id: $id) { id }
  all: customers(first: 50) { totalCount edges { node { id } } }
  found: customers(search: $search) { totalCount }
  duplicateCandidates(input: {phone: "+55 11 98765-4321"}) { customer { id } }
}
"""


async def test_vanishes_from_every_read_and_releases_keys(gql: GraphQLClient, factory: Factory, outbox: Outbox) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    gone = await create(gql, admin, "Zelda Quintana", email="zelda@example.com")
    kept = await create(gql, admin, "Other Person", phone="+55 11 91111-2222")
    before = await gql.data(VANISH, {"id": gone["id"], "search": "zelda"}, as_=admin)
    assert before["customer"] and before["found"]["totalCount"] == 1 and before["duplicateCandidates"]
    assert (await delete(gql, admin, outbox, [gone["id"]]))["__typename"] == "CustomersDeleted"

    after = await gql.data(VANISH, {"id": gone["id"], "search": "zelda"}, as_=admin)
    assert after["customer"] is None and after["node"] is None
    assert after["all"]["totalCount"] == 1 and [e["node"]["id"] for e in after["all"]["edges"]] == [kept["id"]]
    assert after["found"]["totalCount"] == 0 and after["duplicateCandidates"] == []
    profile = await gql.data(
        "query($id: ID!) { customer(id: $id) { id name notes(first: 5) { totalCount } } }",
        {"id": gone["id"]},
        as_=admin,
    )
    assert profile["customer"] is None
    merge = await gql.data(
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename } }",
        {"i": {"primaryId": kept["id"], "duplicateIds": [gone["id"]]}},
        as_=admin,
    )
    assert merge["mergeCustomers"]["__typename"] == "NotFound"
    keys = await fetchval(Sql("SELECT count(*) FROM customer_contact_key WHERE customer_id = %s", pk(gone["id"])))
    assert keys == 0
    # The phone is free: a new customer may take it.
    fresh = await create(gql, admin, "New Holder")
    assert fresh["phoneE164"] == "+5511987654321"


async def test_restore_and_restore_conflict(gql: GraphQLClient, factory: Factory, outbox: Outbox) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    first = await create(gql, admin, "First")
    await delete(gql, admin, outbox, [first["id"]])
    back = (await gql.data(RESTORE, {"id": first["id"]}, as_=admin))["restoreCustomer"]
    assert back["__typename"] == "CustomerRestored" and back["customer"]["id"] == first["id"]
    dup = await gql.data(CREATE, {"input": {"name": "Clash", "phone": PHONE}}, as_=admin)
    assert dup["createCustomer"]["__typename"] == "DuplicateCustomer"  # the key is claimed again

    await delete(gql, admin, outbox, [first["id"]])
    taker = await create(gql, admin, "Taker")
    conflict = (await gql.data(RESTORE, {"id": first["id"]}, as_=admin))["restoreCustomer"]
    assert conflict == {
        "__typename": "ContactValueTaken",
        "field": "phone",
        "value": "+5511987654321",
        "holderId": taker["id"],
    }
    assert (await gql.data("query($id: ID!) { customer(id: $id) { id } }", {"id": first["id"]}, as_=admin))[
        "customer"
    ] is None
    not_deleted = (await gql.data(RESTORE, {"id": taker["id"]}, as_=admin))["restoreCustomer"]
    assert not_deleted["__typename"] == "NotFound"


async def test_sellers_and_supervisors_are_forbidden_other_companies_not_found(
    gql: GraphQLClient, factory: Factory, outbox: Outbox
) -> None:
    tenant = await factory.tenant()
    other = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant)
    foreign = await factory.customer(other)
    for role in ("seller", "supervisor"):
        user = await factory.user(tenant, role)
        for document, variables in (
            (IMPACT, {"ids": [gid(customer)]}),
            (REQUEST, {"ids": [gid(customer)]}),
            (CONFIRM, {"requestId": gid(customer, "CustomerDeletionRequest"), "code": "123456"}),
            (RESTORE, {"id": gid(customer)}),
            ("query($id: ID!) { customerDataExport(id: $id) { __typename } }", {"id": gid(customer)}),
        ):
            assert error_codes(await gql.post(document, variables, as_=user)) == ["FORBIDDEN"], (role, document)
    assert outbox.sent == []
    impact = await gql.data(IMPACT, {"ids": [gid(foreign)]}, as_=admin)
    assert impact["customerDeletionImpact"] == {"__typename": "NotFound", "id": str(foreign)}
    asked = await gql.data(REQUEST, {"ids": [gid(customer), gid(foreign)]}, as_=admin)
    assert asked["requestCustomerDeletion"]["__typename"] == "NotFound"
    exported = await gql.data(
        "query($id: ID!) { customerDataExport(id: $id) { __typename } }", {"id": gid(foreign)}, as_=admin
    )
    assert exported["customerDataExport"]["__typename"] == "NotFound"
    restored = await gql.data(RESTORE, {"id": gid(foreign)}, as_=admin)
    assert restored["restoreCustomer"]["__typename"] == "NotFound"
