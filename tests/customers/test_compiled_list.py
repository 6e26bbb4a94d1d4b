"""The compiled read path (schema/compile) answers exactly what the general executor answers.

Every query below is sent twice: as written, down the compiled path, and with the compiled path
switched off, so the general executor answers it. The two bodies must be equal, for every role
and setting (tests/compile/test_differential.py does the same over a generated corpus).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from schema.compile import execution
from tests.helpers import gid
from tests.queries import CREATE

NODE = """
  __typename id name tradeName email phone phoneE164 whatsapp whatsappE164 document status originChannel
  createdAt updatedAt lastInteractionAt lastContactedAt version contactHidden
  address { __typename street number complement neighbourhood city state postalCode country }
  tags { __typename id name color }
  owner { __typename id name email role isActive canStartConversations }
"""

CORPUS: list[tuple[str, dict[str, Any]]] = [
    (f"{{ customers {{ totalCount nodes {{ {NODE} }} }} }}", {}),
    (
        f"""query($first: Int) {{ list: customers(first: $first) {{
              __typename total: totalCount
              info: pageInfo {{ __typename more: hasNextPage hasPreviousPage startCursor endCursor }}
              rows: edges {{ __typename at: cursor item: node {{ key: id label: name {NODE} }} }}
              nodes {{ id }}
            }} }}""",
        {"first": 3},
    ),
    ("query($s: String) { customers(search: $s) { nodes { id name phone } } }", {"s": "ana"}),
    ("query($s: String) { customers(search: $s) { totalCount nodes { id email } } }", {"s": "11 98765"}),
    ("query($s: String) { customers(search: $s) { nodes { id } } }", {"s": "ana@example.com"}),
    ("query($s: String) { customers(search: $s) { nodes { id tags { name } } } }", {"s": "vip"}),
    (
        "query($d: SortDirection!) { customers(sort: {field: NAME, direction: $d}, first: 4) "
        "{ pageInfo { endCursor hasNextPage } nodes { name } } }",
        {"d": "DESC"},
    ),
    ("{ customers(sort: {field: LAST_INTERACTION_AT}) { edges { cursor node { name lastInteractionAt } } } }", {}),
    ("{ customers(filter: {status: ANY, originChannels: [API, WHATSAPP]}) { totalCount nodes { name status } } }", {}),
    ("{ customers(filter: {hasOpenTasks: false}) { nodes { name } } }", {}),
    ("{ customers(portfolio: MINE) { totalCount nodes { name owner { name } } } }", {}),
    ("{ customers(portfolio: UNASSIGNED) { nodes { name owner { id } } } }", {}),
    ("{ customers { pageInfo { hasNextPage } } }", {}),
    ("{ customers { totalCount } }", {}),
    # Refusals: the same errors, the same codes, the same paths.
    ("{ customers(first: 101) { nodes { id } } }", {}),
    ('{ customers(after: "bm90IGEgY3Vyc29y") { nodes { id } } }', {}),
    ('{ customers(portfolio: SELLER, sellerId: "nope") { nodes { id } } }', {}),
    ('{ customers(filter: {tags: {anyOf: ["nope"]}}) { nodes { id } } }', {}),
]


async def general(gql, query: str, variables: dict[str, Any], caller: Any) -> dict[str, Any]:
    """The answer of the general executor alone."""
    execution.ENABLED = False
    try:
        return await gql.post(query, variables, as_=caller)
    finally:
        execution.ENABLED = True


@pytest.fixture
async def company(factory, gql):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin", name="Alice Admin")
    seller = await factory.user(tenant, "seller", name="Sam Seller")
    other = await factory.user(tenant, "seller", name="Olga Other")
    supervisor = await factory.user(tenant, "supervisor")
    people = [
        ("Ana Lima", {"email": "ana@example.com", "phone": "11 98765-4321", "tags": ["vip", "Zeta"]}, seller),
        ("Ana Souza", {"whatsapp": "+55 21 99876-5432", "document": "529.982.247-25", "originChannel": "API"}, other),
        ("Bruno Reis", {"address": {"street": "Rua A", "number": "10", "city": "Recife", "country": "BR"}}, seller),
        ("Carla Dias", {"status": "INACTIVE", "tags": ["vip"], "tradeName": "Dias & Cia"}, None),
        ("Davi Melo", {"originChannel": "WHATSAPP", "email": "davi@example.com"}, other),
    ]
    for name, extra, owner in people:
        data = {"name": name, **extra, **({"ownerId": gid(owner.id, "User")} if owner else {})}
        body = await gql.data(CREATE, {"input": data}, as_=admin)
        assert body["createCustomer"]["__typename"] == "CreateCustomerSuccess", body
    # Times with and without microseconds, and times that are missing.
    await factory.customer(
        tenant,
        name="Edu Whole Seconds",
        owner=seller,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        last_interaction_at=datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC),
    )
    await factory.customer(
        tenant, name="Fabi Micro", created_at=datetime(2026, 1, 2, 3, 4, 5, 120, tzinfo=UTC), last_contacted_at=None
    )
    return {"tenant": tenant, "admin": admin, "seller": seller, "supervisor": supervisor}


@pytest.fixture
def compiled_calls(monkeypatch):
    """Counts the requests the compiled path served, to be sure the comparison compares two paths."""
    calls: list[int] = []
    real = execution.fetchval

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await real(*args, **kwargs)

    monkeypatch.setattr(execution, "fetchval", counting)
    return calls


@pytest.mark.parametrize("hide_contact", [False, True])
@pytest.mark.parametrize("role", ["admin", "supervisor", "seller"])
async def test_the_compiled_list_answers_as_the_general_executor_does(
    gql, factory, company, compiled_calls, role, hide_contact
):
    await factory.set_tenant(company["tenant"], hide_contact_from_sellers=hide_contact)
    caller = company[role]
    for query, variables in CORPUS:
        before = len(compiled_calls)
        compiled = await gql.post(query, variables, as_=caller)
        refused = "errors" in compiled  # refusals are answered by the general executor
        assert len(compiled_calls) == before + (0 if refused else 1), f"not compiled: {query}"
        expected = await general(gql, query, variables, caller)
        assert len(compiled_calls) == before + (0 if refused else 1)
        assert compiled == expected, query


async def test_the_second_page_follows_the_first_page_cursor(gql, company, compiled_calls):
    query = "query($after: String) { customers(first: 2, after: $after) { pageInfo { endCursor } nodes { name } } }"
    names: list[str] = []
    after = None
    while True:
        page = (await gql.data(query, {"after": after}, as_=company["admin"]))["customers"]
        expected = (await general(gql, query, {"after": after}, company["admin"]))["data"]["customers"]
        assert page == expected
        if not page["nodes"]:
            break
        names += [n["name"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
    assert len(names) == len(set(names)) == 6  # every active customer once; Carla is inactive


async def test_a_seller_with_hidden_contact_gets_no_contact_from_the_compiled_path(gql, factory, company):
    await factory.set_tenant(company["tenant"], hide_contact_from_sellers=True)
    data = await gql.data(
        "{ customers { nodes { name email phone phoneE164 whatsapp whatsappE164 contactHidden } } }",
        as_=company["seller"],
    )
    rows = data["customers"]["nodes"]
    assert {r["name"] for r in rows} == {"Ana Lima", "Bruno Reis", "Edu Whole Seconds"}
    for row in rows:
        assert row["contactHidden"] is True
        assert row["email"] is row["phone"] is row["phoneE164"] is row["whatsapp"] is row["whatsappE164"] is None


async def test_fragments_directives_and_nested_lists_are_compiled(gql, company, compiled_calls):
    queries = [
        "{ customers { nodes { name customFields { key } } } }",
        "{ customers { nodes { name lastNote { body } } } }",
        "{ customers { nodes { ... on Customer { name } } } }",
        "{ customers { nodes { name @include(if: true) } } }",
    ]
    for query in queries:
        body = await gql.post(query, as_=company["admin"])
        assert "errors" not in body, body
    assert len(compiled_calls) == len(queries)


async def test_shapes_it_does_not_know_take_the_general_path(gql, company, compiled_calls, caplog):
    queries = [
        "{ customers { totalCount } me { role } }",
    ]
    with caplog.at_level("DEBUG", logger="crm.graphql"):
        for query in queries:
            body = await gql.post(query, as_=company["admin"])
            assert "errors" not in body, body
    assert compiled_calls == []
    said = [r.getMessage() for r in caplog.records if r.name == "crm.graphql"]
    assert "general executor: the compiler does not know Query.me" in said
