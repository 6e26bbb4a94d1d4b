"""A read costs the same statements whatever its size: the compiled read path answers a query
over compiled types with one statement (plus authentication), and the general executor batches
nested fields through DataLoaders."""

from __future__ import annotations

import json

import pytest

from tests.helpers import gid

PAGE = """
query($first: Int) {
  customers(first: $first) {
    totalCount
    nodes { id name email tags { id name } owner { id name } }
  }
}
"""


@pytest.fixture
async def tenant_with_customers(factory, gql):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    sellers = [await factory.user(tenant, "seller") for _ in range(3)]
    for i in range(60):
        pk = await factory.customer(tenant, name=f"Customer {i}", owner=sellers[i % 3])
        await gql.data(
            "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
            {"i": {"customerId": gid(pk), "tags": [f"t{i % 4}", "all"]}},
            as_=admin,
        )
    return admin


@pytest.mark.parametrize("first", [1, 10, 50])
async def test_customers_with_tags_and_owner_cost_a_fixed_number_of_statements(
    gql, count_statements, tenant_with_customers, first
):
    admin = tenant_with_customers
    with count_statements() as counter:
        data = await gql.data(PAGE, {"first": first}, as_=admin)

    assert len(data["customers"]["nodes"]) == first
    assert all(len(n["tags"]) == 2 for n in data["customers"]["nodes"])
    # authenticate + the one statement of the compiled read path (page, count, tags and owners)
    assert counter.count == 2, counter.statements


# The general executor (the compiled path switched off) batches instead.
PAGE_WITH_FRAGMENT = """
fragment Row on Customer { id name email tags { id name } owner { id name } }
query($first: Int) { customers(first: $first) { totalCount nodes { ...Row } } }
"""


@pytest.mark.parametrize("first", [1, 50])
async def test_the_general_path_batches_tags_and_owners(
    gql, count_statements, tenant_with_customers, first, monkeypatch
):
    from schema.compile import execution

    monkeypatch.setattr(execution, "ENABLED", False)
    admin = tenant_with_customers
    with count_statements() as counter:
        data = await gql.data(PAGE_WITH_FRAGMENT, {"first": first}, as_=admin)

    assert len(data["customers"]["nodes"]) == first
    assert all(len(n["tags"]) == 2 and n["owner"]["name"] for n in data["customers"]["nodes"])
    # authenticate + page + count + tags + owners
    assert counter.count == 5, counter.statements


NESTED_PAGE = """
query($first: Int) {
  customers(first: $first) {
    nodes { id name tags { name } openTasks { title dueAt responsible { name } } lastNote { body author { name } } }
  }
}
"""

PROFILE = """
query($id: ID!) {
  customer(id: $id) {
    id name email phone
    owner { name }
    teams { name }
    tags { name }
    timeline(first: 20) { nodes { __typename
      ... on Note { body author { name } }
      ... on Task { title responsible { name } }
      ... on Conversation { channel }
      ... on Appointment { title withUser { name } }
      ... on Purchase { amount }
      ... on HistoryEntry { kind actor { name } } } }
    openTasks { title responsible { name } }
    lastConversation { channel messages(first: 10) { nodes { body direction author { name } } } }
  }
}
"""


async def _busy_customer(gql, factory, tenant, admin, key, team, i):
    from tests.helpers import gid

    pk = await factory.customer(tenant, name=f"Busy {i}", owner=admin, teams=[team])
    cid = gid(pk)
    for n in range(3):
        await gql.data(
            "mutation($i: AddNoteInput!) { addNote(input: $i) { __typename } }",
            {"i": {"customerId": cid, "body": f"note {n}"}},
            as_=admin,
        )
        await gql.data(
            "mutation($i: CreateTaskInput!) { createTask(input: $i) { __typename } }",
            {"i": {"customerId": cid, "title": f"task {n}"}},
            as_=admin,
        )
    await gql.data(
        "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
        {"i": {"customerId": cid, "tags": ["a", "b"]}},
        as_=admin,
    )
    return pk, cid


@pytest.fixture
async def busy_tenant(factory, gql):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "admin")
    team = await factory.team(tenant)
    customers = [await _busy_customer(gql, factory, tenant, admin, key, team, i) for i in range(12)]
    return tenant, admin, key, customers


@pytest.mark.parametrize("first", [2, 12])
async def test_a_page_with_tags_open_tasks_and_last_note_costs_fixed_statements(
    gql, count_statements, busy_tenant, first
):
    _, admin, _, _ = busy_tenant
    with count_statements() as counter:
        data = await gql.data(NESTED_PAGE, {"first": first}, as_=admin)

    nodes = data["customers"]["nodes"]
    assert len(nodes) == first
    assert all(len(n["openTasks"]) == 3 and n["lastNote"]["body"] == "note 2" for n in nodes)
    # authenticate + the one compiled statement
    assert counter.count == 2, counter.statements


async def test_the_profile_query_costs_a_fixed_small_number_of_statements(gql, count_statements, busy_tenant):
    _, admin, key, customers = busy_tenant
    pk, cid = customers[0]
    from models.db import fetchval
    from models.sql import Sql

    phone = "+5511955550000"
    await gql.data(
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }",
        {"i": {"id": cid, "whatsapp": phone}},
        as_=admin,
    )
    for n in range(15):
        await gql.data(
            "mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename } }",
            {"i": {"channel": "WHATSAPP", "from": phone, "body": f"m{n}"}},
            as_=key,
        )
    conversation = await fetchval(Sql("SELECT id FROM conversation WHERE customer_id = %s", pk))
    from tests.helpers import gid

    await gql.data(
        "mutation($i: ReplyInput!) { replyToConversation(input: $i) { __typename } }",
        {"i": {"conversationId": gid(conversation, "Conversation"), "body": "answer"}},
        as_=admin,
    )

    with count_statements() as counter:
        data = await gql.data(PROFILE, {"id": cid}, as_=admin)

    customer = data["customer"]
    assert len(customer["timeline"]["nodes"]) == 9  # 3 notes, 3 tasks, a conversation, 2 history entries
    assert len(customer["lastConversation"]["messages"]["nodes"]) == 10
    assert customer["lastConversation"]["messages"]["nodes"][0]["body"] == "answer"
    # authenticate + the one compiled statement: the timeline (history entries masked and rendered
    # in SQL) is compiled like the rest of the profile
    assert counter.count == 2, "\n".join(s[:90] for s in counter.statements)
    with count_statements() as again:
        await gql.data(PROFILE, {"id": cid}, as_=admin)
    assert again.count == counter.count


@pytest.mark.parametrize("first", [1, 50])
async def test_custom_field_values_cost_one_statement_per_request_whatever_the_page_size(
    gql, count_statements, factory, first
):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.custom_field(tenant, "tier", "select", options=["Gold", "Silver"])
    await factory.custom_field(tenant, "employees", "number")
    for i in range(60):
        await factory.customer(tenant, custom_fields=json.dumps({"tier": "Gold", "employees": i}))
    query = "query($first: Int) { customers(first: $first) { totalCount nodes { id customFields { key value } } } }"

    with count_statements() as counter:
        data = await gql.data(query, {"first": first}, as_=admin)

    assert len(data["customers"]["nodes"]) == first
    assert all(len(n["customFields"]) == 2 for n in data["customers"]["nodes"])
    # authenticate + the one compiled statement (the definitions are joined in it)
    assert counter.count == 2, counter.statements


DEEP = """
query($first: Int, $notes: Int, $id: ID!) {
  customers(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name owner { name } tags { name } customFields { key value }
      notes(first: $notes) { totalCount pageInfo { endCursor } edges { cursor node { body author { name } } } }
      tasks(status: OPEN, first: $notes) { nodes { title responsible { name } } }
      openTasks { title } lastNote { body }
      conversations(first: 2) { nodes { channel messages(first: $notes) { nodes { body author { name } } } } }
    } }
  }
  customer(id: $id) { name notes(first: 1) { nodes { body } } purchases { totalCount } appointments { nodes { title } } }
}
"""


@pytest.mark.parametrize(("first", "notes"), [(1, 1), (12, 3), (12, 20)])
async def test_compiled_shapes_cost_two_statements_whatever_the_page_size_and_nesting(
    gql, count_statements, busy_tenant, first, notes
):
    _, admin, _, customers = busy_tenant
    with count_statements() as counter:
        data = await gql.data(DEEP, {"first": first, "notes": notes, "id": customers[0][1]}, as_=admin)

    edges = data["customers"]["edges"]
    assert len(edges) == first
    assert all(len(e["node"]["notes"]["edges"]) == min(notes, 3) for e in edges)
    assert data["customer"]["notes"]["nodes"][0]["body"] == "note 2"
    # authenticate + the one compiled statement
    assert counter.count == 2, counter.statements


@pytest.mark.parametrize("search", ["Busy", "busy 1", "a", "b"])
async def test_a_name_search_costs_two_statements(gql, count_statements, busy_tenant, search):
    """The tag of that name is looked up inside the list's statement, not before it."""
    _, admin, _, _ = busy_tenant
    query = "query($q: String) { customers(first: 20, search: $q) { totalCount nodes { id name tags { name } } } }"
    with count_statements() as counter:
        data = await gql.data(query, {"q": search}, as_=admin)

    assert data["customers"]["totalCount"] >= 1  # "a" and "b" are tags of every busy customer
    assert counter.count == 2, counter.statements
