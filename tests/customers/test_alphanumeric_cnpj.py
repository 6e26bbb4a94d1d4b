"""Alphanumeric CNPJs through the API: accepted, stored normalized, found by search."""

from __future__ import annotations

from tests.queries import CREATE, UPDATE

SEARCH = "query($s: String!) { customers(search: $s, first: 10) { totalCount edges { node { id document } } } }"


async def test_an_alphanumeric_cnpj_is_accepted_normalized_and_searchable(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    created = (await gql.data(CREATE, {"input": {"name": "Nova Ltda", "document": "12.abc.345/01de-35"}}, as_=admin))[
        "createCustomer"
    ]
    assert created["__typename"] == "CreateCustomerSuccess", created
    customer = created["customer"]
    assert customer["document"] == "12ABC34501DE35"
    await gql.data(CREATE, {"input": {"name": "12 Abc Bar"}}, as_=admin)

    for text in ("12.ABC.345/01DE-35", "12ABC34501DE35", "12.abc.345"):
        found = (await gql.data(SEARCH, {"s": text}, as_=admin))["customers"]
        assert customer["id"] in [e["node"]["id"] for e in found["edges"]], text
        assert found["totalCount"] == len(found["edges"])


async def test_an_alphanumeric_cnpj_with_a_wrong_check_digit_is_refused(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    created = (await gql.data(CREATE, {"input": {"name": "Nova", "document": "11.222.333/0001-81"}}, as_=admin))[
        "createCustomer"
    ]

    result = (
        await gql.data(
            UPDATE, {"input": {"id": created["customer"]["id"], "document": "12.ABC.345/01DE-36"}}, as_=admin
        )
    )["updateCustomer"]

    assert result["__typename"] == "ValidationFailed"
    assert [(f["field"], f["code"]) for f in result["fields"]] == [("document", "INVALID_DOCUMENT")]
