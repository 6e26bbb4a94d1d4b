"""A company chooses which standard fields every create and update must leave filled."""

from __future__ import annotations

from tests.helpers import gid, tenant_fingerprint
from tests.queries import CREATE, UPDATE

SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) {
    __typename
    ... on UpdateTenantSettingsSuccess { tenant { settings { requiredFields } } }
    ... on ValidationFailed { fields { field code } }
  }
}
"""
READ = "{ tenant { settings { requiredFields } } }"


def codes(result):
    return sorted((f["field"], f["code"]) for f in result["fields"])


async def require(gql, admin, fields):
    data = await gql.data(SETTINGS, {"input": {"requiredFields": fields}}, as_=admin)
    return data["updateTenantSettings"]


async def test_name_alone_is_required_by_default(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")

    settings = await gql.data(READ, as_=seller)
    created = await gql.data(CREATE, {"input": {"name": "Ana"}}, as_=seller)

    assert settings["tenant"]["settings"]["requiredFields"] == ["name"]
    assert created["createCustomer"]["__typename"] == "CreateCustomerSuccess"


async def test_admins_choose_standard_fields_and_names_are_checked(gql, factory):
    tenant = await factory.tenant()
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")

    chosen = await require(gql, admin, ["address.city", "phone", "email", "phone"])
    refused = await require(gql, admin, ["email", "cpf", "address.complement"])
    forbidden = await gql.post(SETTINGS, {"input": {"requiredFields": ["email"]}}, as_=seller)

    # canonical order, duplicates folded, name always kept
    assert chosen["tenant"]["settings"]["requiredFields"] == ["name", "email", "phone", "address.city"]
    assert codes(refused) == [("requiredFields[1]", "UNKNOWN"), ("requiredFields[2]", "UNKNOWN")]
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql.data(READ, as_=seller))["tenant"]["settings"]["requiredFields"] == [
        "name",
        "email",
        "phone",
        "address.city",
    ]


async def test_create_reports_every_missing_field_and_writes_nothing(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await require(gql, admin, ["email", "phone", "document", "address.city"])
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(
        CREATE, {"input": {"name": "Ana", "phone": "not a phone", "address": {"street": "Rua A"}}}, as_=admin
    )

    result = data["createCustomer"]
    assert result["__typename"] == "ValidationFailed"
    # an invalid phone is reported as invalid, not also as missing
    assert codes(result) == [
        ("address.city", "REQUIRED"),
        ("document", "REQUIRED"),
        ("email", "REQUIRED"),
        ("phone", "INVALID_PHONE"),
    ]
    assert await tenant_fingerprint(tenant.id) == before

    ok = await gql.data(
        CREATE,
        {
            "input": {
                "name": "Ana",
                "email": "ana@example.com",
                "phone": "+55 11 99999-0000",
                "document": "529.982.247-25",
                "address": {"city": "Santos"},
            }
        },
        as_=admin,
    )
    assert ok["createCustomer"]["__typename"] == "CreateCustomerSuccess"


async def test_update_checks_the_resulting_row_not_only_the_input(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    without_email = await factory.customer(tenant, name="No Email")
    with_email = await factory.customer(tenant, name="Has Email", email="a@x.com", email_normalized="a@x.com")
    await require(gql, admin, ["email"])
    before = await tenant_fingerprint(tenant.id)

    lacking = await gql.data(UPDATE, {"input": {"id": gid(without_email), "tradeName": "X"}}, as_=admin)
    kept = await gql.data(UPDATE, {"input": {"id": gid(with_email), "tradeName": "X"}}, as_=admin)
    cleared = await gql.data(UPDATE, {"input": {"id": gid(with_email), "email": None}}, as_=admin)
    blank_name = await gql.data(UPDATE, {"input": {"id": gid(with_email), "name": "  "}}, as_=admin)

    assert codes(lacking["updateCustomer"]) == [("email", "REQUIRED")]
    assert kept["updateCustomer"]["__typename"] == "UpdateCustomerSuccess"
    assert codes(cleared["updateCustomer"]) == [("email", "REQUIRED")]
    assert codes(blank_name["updateCustomer"]) == [("name", "REQUIRED")]
    after = await tenant_fingerprint(tenant.id)
    assert after[1] == before[1] + 1  # only the one successful update bumped a version

    filled = await gql.data(
        UPDATE, {"input": {"id": gid(without_email), "tradeName": "X", "email": "n@x.com"}}, as_=admin
    )
    assert filled["updateCustomer"]["customer"]["email"] == "n@x.com"


async def test_on_duplicate_merge_checks_the_customer_it_writes(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    existing = await gql.data(
        CREATE, {"input": {"name": "Ana", "email": "ana@x.com", "phone": "11 98888-7777"}}, as_=admin
    )
    await require(gql, admin, ["email"])

    # the input lacks the email, but the customer it folds into has one
    merged = await gql.data(
        CREATE, {"input": {"name": "Ana", "phone": "(11) 98888-7777", "onDuplicate": "MERGE"}}, as_=admin
    )
    # no duplicate: the input itself is the new row, and it lacks the email
    fresh = await gql.data(
        CREATE, {"input": {"name": "Bia", "phone": "(11) 97777-6666", "onDuplicate": "MERGE"}}, as_=admin
    )

    assert merged["createCustomer"]["customer"]["id"] == existing["createCustomer"]["customer"]["id"]
    assert codes(fresh["createCustomer"]) == [("email", "REQUIRED")]
