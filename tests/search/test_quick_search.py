"""Quick search: names, emails, phones, documents and tags."""

from __future__ import annotations

import pytest

SEARCH = """query($s: String, $first: Int, $after: String) {
  customers(search: $s, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } }"""
CREATE = """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename
  ... on CreateCustomerSuccess { customer { id } } ... on ValidationFailed { fields { field code } } } }"""


async def names(gql, user, text, **variables):
    data = await gql.data(SEARCH, {"s": text, **variables}, as_=user)
    return [n["name"] for n in data["customers"]["nodes"]]


@pytest.fixture
async def people(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    for fields in (
        {
            "name": "João Silva",
            "phone": "(11) 99999-1234",
            "email": "joao.silva@acme.com.br",
            "document": "529.982.247-25",
        },
        {"name": "Maria João Santos", "tradeName": "Padaria Silva", "whatsapp": "+55 21 98888-5678"},
        {"name": "Joãozinho Pereira", "email": "jp@example.com", "document": "11.222.333/0001-81"},
        {"name": "Ana Lima", "email": "ana@silva.com", "tags": ["Silva Family"]},
        {"name": "Pedro Souza"},
    ):
        result = await gql.data(CREATE, {"i": fields}, as_=admin)
        assert result["createCustomer"]["__typename"] == "CreateCustomerSuccess", result
    return tenant, admin


@pytest.mark.parametrize("text", ["joao", "JOAO", "João", "joão silva", "silva jo", "SILVA joão", "oao sil"])
async def test_names_match_without_accents_case_or_word_order(gql, people, text):
    _, admin = people

    found = await names(gql, admin, text)

    assert "João Silva" in found


async def test_names_starting_with_the_text_come_first_exact_first(gql, people):
    _, admin = people

    found = await names(gql, admin, "joao")

    # prefix matches in name order (the shortest, exact one first), then the other matches
    assert found[:2] == ["João Silva", "Joãozinho Pereira"]
    assert found[2:] == ["Maria João Santos"]


async def test_trade_names_and_tag_names_are_searched(gql, people):
    _, admin = people

    assert "Maria João Santos" in await names(gql, admin, "padaria")
    assert await names(gql, admin, "silva family") == ["Ana Lima"]
    # names, trade names and emails containing the word: newest customer first
    assert await names(gql, admin, "silva") == ["Ana Lima", "Maria João Santos", "João Silva"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("joao.silva", ["João Silva"]),
        ("@silva.com", ["Ana Lima"]),
        ("ACME.COM.BR", ["João Silva"]),
        ("jp@example", ["Joãozinho Pereira"]),
    ],
)
async def test_emails_match_in_part(gql, people, text, expected):
    _, admin = people

    assert await names(gql, admin, text) == expected


@pytest.mark.parametrize(
    "text",
    ["(11) 99999-1234", "11999991234", "+55 11 9 9999 1234", "99999-1234", "1234", "(11) 9999-1234", "5511999991234"],
)
async def test_phones_match_by_digits_in_any_formatting(gql, people, text):
    _, admin = people

    assert await names(gql, admin, text) == ["João Silva"]


@pytest.mark.parametrize("text", ["21 98888 5678", "988885678"])
async def test_whatsapp_numbers_are_searched_too(gql, people, text):
    _, admin = people

    assert await names(gql, admin, text) == ["Maria João Santos"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("529.982.247-25", "João Silva"),
        ("52998224725", "João Silva"),
        ("11.222.333/0001-81", "Joãozinho Pereira"),
        ("11222333000181", "Joãozinho Pereira"),
    ],
)
async def test_cpf_and_cnpj_with_or_without_punctuation(gql, people, text, expected):
    _, admin = people

    assert await names(gql, admin, text) == [expected]


@pytest.mark.parametrize(
    ("document", "code"),
    [("529.982.247-24", "INVALID_DOCUMENT"), ("11.222.333/0001-80", "INVALID_DOCUMENT"), ("123", "INVALID_DOCUMENT")],
)
async def test_documents_with_wrong_check_digits_are_refused(gql, people, document, code):
    _, admin = people

    data = await gql.data(CREATE, {"i": {"name": "X", "document": document}}, as_=admin)

    assert data["createCustomer"]["fields"] == [{"field": "document", "code": code}]


async def test_search_pages_walk_every_match_once(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    for i in range(7):
        await factory.customer(tenant, name=f"Silva {i}")  # prefix segment
        await factory.customer(tenant, name=f"Ana Silva {i}")  # contains segment
    await factory.customer(tenant, name="Other")

    seen, after = [], None
    while True:
        data = (await gql.data(SEARCH, {"s": "silva", "first": 3, "after": after}, as_=admin))["customers"]
        seen += [n["name"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]

    assert len(seen) == len(set(seen)) == 14
    assert seen[:7] == [f"Silva {i}" for i in range(7)]
    assert data["totalCount"] == 14


async def test_search_runs_inside_visibility(gql, factory):
    tenant = await factory.tenant()
    ana, bruno = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    await factory.customer(tenant, name="Silva de Ana", owner=ana)
    await factory.customer(tenant, name="Silva de Bruno", owner=bruno)

    data = await gql.data('{ customers(search: "silva", portfolio: ALL) { totalCount nodes { name } } }', as_=ana)

    assert data["customers"] == {"totalCount": 1, "nodes": [{"name": "Silva de Ana"}]}


async def test_a_cursor_from_another_search_order_is_refused(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    for i in range(3):
        await factory.customer(tenant, name=f"Silva {i}")
    page = await gql.data(SEARCH, {"s": "silva", "first": 1}, as_=admin)

    body = await gql.post(
        "query($a: String) { customers(first: 1, after: $a, sort: {field: NAME}) { nodes { name } } }",
        {"a": page["customers"]["pageInfo"]["endCursor"]},
        as_=admin,
    )

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
