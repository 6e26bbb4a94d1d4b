"""Brazil's ninth digit folds mobiles only: a landline is never a duplicate of a mobile."""

from __future__ import annotations

import importlib

import pytest

from models.db import execute, fetch
from models.sql import Sql
from resolvers.contact import normalize_phone
from tests.helpers import count_customers

CREATE = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CreateCustomerSuccess { customer { id phoneE164 } }
    ... on DuplicateCustomer { matches { customer { id } } }
  }
}
"""
SEARCH = "query($s: String!) { customers(search: $s, first: 10) { edges { node { id } } } }"


async def create(gql, user, **fields):
    return (await gql.data(CREATE, {"input": {"name": "Ana", **fields}}, as_=user))["createCustomer"]


def test_a_landline_and_the_mobile_with_a_nine_in_front_have_different_keys():
    assert normalize_phone("+55 21 3765-4321", "BR").key != normalize_phone("+55 21 93765-4321", "BR").key
    assert normalize_phone("(11) 2345-6789", "BR").key != normalize_phone("(11) 92345-6789", "BR").key
    # an old mobile (6-9 first) still folds with its nine
    assert normalize_phone("+55 21 98765-4321", "BR").key == normalize_phone("+55 21 8765-4321", "BR").key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("+55 21 93765-4321", "+55 21 3765-4321"),
        ("+55 21 3765-4321", "+55 21 93765-4321"),
        ("(11) 2345-6789", "(11) 92345-6789"),
    ],
)
async def test_a_landline_is_not_a_duplicate_of_a_mobile(gql, factory, first, second):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    assert (await create(gql, admin, phone=first))["__typename"] == "CreateCustomerSuccess"

    result = await create(gql, admin, phone=second, name="Other")

    assert result["__typename"] == "CreateCustomerSuccess"
    assert await count_customers(tenant.id) == 2


async def test_searching_a_landline_does_not_find_the_mobile(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    mobile = (await create(gql, admin, whatsapp="+55 21 93765-4321"))["customer"]
    landline = (await create(gql, admin, phone="+55 21 3765-4321", name="Office"))["customer"]

    found = await gql.data(SEARCH, {"s": "+55 21 3765-4321"}, as_=admin)
    assert [e["node"]["id"] for e in found["customers"]["edges"]] == [landline["id"]]
    found = await gql.data(SEARCH, {"s": "+55 21 93765-4321"}, as_=admin)
    assert [e["node"]["id"] for e in found["customers"]["edges"]] == [mobile["id"]]


async def test_the_migration_gives_existing_mobiles_their_own_key(gql, factory):
    """Keys written by the old rule (a 9 2-5 mobile folded onto the landline's key) are recomputed."""
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    mobile = (await create(gql, admin, phone="+55 21 93765-4321"))["customer"]
    await execute(
        Sql(
            "UPDATE customer_contact_key SET value = '+552137654321' WHERE tenant_id = %s AND kind = 'phone'",
            tenant.id,
        )
    )
    assert (await create(gql, admin, phone="+55 21 3765-4321", name="Office"))["__typename"] == "DuplicateCustomer"

    migration = importlib.import_module("models.migrations.0008_phone_keys_fold_only_mobiles")
    await execute(Sql(migration.Migration.operations[0].sql))

    keys = await fetch(Sql("SELECT value FROM customer_contact_key WHERE tenant_id = %s", tenant.id))
    assert [k["value"] for k in keys] == ["+5521937654321"]
    office = await create(gql, admin, phone="+55 21 3765-4321", name="Office")
    assert office["__typename"] == "CreateCustomerSuccess"
    assert office["customer"]["id"] != mobile["id"]
