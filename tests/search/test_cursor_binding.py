"""A cursor continues only the list it came from: the same search, filter, portfolio, sort,
parent and caller. Anywhere else it is refused, never silently applied."""

from __future__ import annotations

import base64

import pytest

from tests.helpers import error_codes, gid

LIST = """query($after: String, $search: String, $filter: CustomerFilter, $sort: CustomerSort, $portfolio: Portfolio) {
  customers(first: 2, after: $after, search: $search, filter: $filter, sort: $sort, portfolio: $portfolio) {
    pageInfo { hasNextPage endCursor } edges { cursor node { name } } } }"""


@pytest.fixture
async def shop(factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    other_admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    for i in range(4):
        await factory.customer(tenant, name=f"Silva {i}", owner=seller, email=f"silva{i}@example.com")
        await factory.customer(tenant, name=f"Souza {i}", address_city="Recife", status="inactive")
    return tenant, admin, other_admin, seller


def refused_as_another_list(body):
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert "This cursor belongs to another list" in body["errors"][0]["message"]
    return True


async def first_cursor(gql, user, **variables):
    page = (await gql.data(LIST, variables, as_=user))["customers"]
    assert page["pageInfo"]["hasNextPage"]
    return page["pageInfo"]["endCursor"]


async def test_the_next_page_follows_with_the_same_arguments(gql, shop):
    _tenant, admin, _, _ = shop
    variables = {"search": "silva", "sort": {"field": "NAME", "direction": "ASC"}}
    after = await first_cursor(gql, admin, **variables)

    page = (await gql.data(LIST, {**variables, "after": after}, as_=admin))["customers"]

    assert [e["node"]["name"] for e in page["edges"]] == ["Silva 2", "Silva 3"]


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [
        ({"search": "silva", "sort": {"field": "NAME"}}, {"search": "souza", "sort": {"field": "NAME"}}),
        ({"search": "silva"}, {"search": "souza"}),  # relevance order
        ({"filter": {"status": "ANY"}}, {"filter": {"status": "INACTIVE"}}),
        ({"sort": {"field": "NAME"}}, {"sort": {"field": "NAME", "direction": "DESC"}}),
        ({"sort": {"field": "CREATED_AT"}}, {}),
        ({"portfolio": "ALL"}, {"portfolio": "UNASSIGNED"}),
    ],
)
async def test_a_cursor_of_another_search_filter_sort_or_portfolio_is_refused(gql, shop, mine, theirs):
    _tenant, admin, _, _ = shop
    after = await first_cursor(gql, admin, **{"filter": {"status": "ANY"}, **mine})

    body = await gql.post(LIST, {"filter": {"status": "ANY"}, **theirs, "after": after}, as_=admin)

    assert refused_as_another_list(body)


async def test_another_users_cursor_is_refused_even_for_the_same_list(gql, shop):
    _tenant, admin, other_admin, _ = shop
    after = await first_cursor(gql, admin, filter={"status": "ANY"})

    body = await gql.post(LIST, {"filter": {"status": "ANY"}, "after": after}, as_=other_admin)

    assert refused_as_another_list(body)


async def test_another_companys_cursor_is_refused(gql, shop, factory):
    _tenant, admin, _, _ = shop
    elsewhere = await factory.user(await factory.tenant(), "admin")
    after = await first_cursor(gql, admin, filter={"status": "ANY"})

    body = await gql.post(LIST, {"filter": {"status": "ANY"}, "after": after}, as_=elsewhere)

    assert refused_as_another_list(body)


async def test_an_api_keys_cursor_is_bound_to_the_key(gql, shop, factory):
    tenant, admin, _, _ = shop
    _, key = await factory.api_key(tenant, "admin")
    after = await first_cursor(gql, key, filter={"status": "ANY"})

    assert (await gql.data(LIST, {"filter": {"status": "ANY"}, "after": after}, as_=key))["customers"]["edges"]
    assert refused_as_another_list(await gql.post(LIST, {"filter": {"status": "ANY"}, "after": after}, as_=admin))


def _decoded(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


@pytest.mark.parametrize("field", ["NAME", "EMAIL", "CITY"])
async def test_cursors_carry_no_value_of_the_row(gql, shop, field):
    _tenant, admin, _, _ = shop

    page = (await gql.data(LIST, {"sort": {"field": field}, "filter": {"status": "ANY"}}, as_=admin))["customers"]

    for edge in page["edges"]:
        raw = _decoded(edge["cursor"])
        for value in (b"silva", b"souza", b"example.com", b"recife"):
            assert value not in raw.lower()


GROUPS = """query($after: String) { duplicateGroups(first: 1, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { size } } }"""


CREATE = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename } }"


async def test_a_duplicate_groups_cursor_holds_no_phone_and_is_the_callers_own(gql, factory):
    tenant = await factory.tenant(allow_duplicates=True)
    admin, other_admin = await factory.user(tenant, "admin"), await factory.user(tenant, "admin")
    for i in range(2):
        await gql.data(CREATE, {"i": {"name": f"P{i}", "phone": "(11) 97777-0000"}}, as_=admin)
        await gql.data(CREATE, {"i": {"name": f"E{i}", "email": "shared@x.com"}}, as_=admin)
    first = (await gql.data(GROUPS, as_=admin))["duplicateGroups"]
    after = first["pageInfo"]["endCursor"]

    assert first["pageInfo"]["hasNextPage"]
    raw = _decoded(after)
    assert b"77770000" not in raw and b"shared" not in raw and b"77770000" not in after.encode()
    assert (await gql.data(GROUPS, {"after": after}, as_=admin))["duplicateGroups"]["nodes"] == [{"size": 2}]
    assert refused_as_another_list(await gql.post(GROUPS, {"after": after}, as_=other_admin))


NOTES = """query($id: ID!, $after: String) { customer(id: $id) { notes(first: 1, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { body } } } }"""
ADD_NOTE = "mutation($i: AddNoteInput!) { addNote(input: $i) { __typename } }"


async def test_a_nested_lists_cursor_belongs_to_its_parent(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    one, two = await factory.customer(tenant, name="One"), await factory.customer(tenant, name="Two")
    for customer in (one, two):
        for body in ("first", "second"):
            await gql.data(ADD_NOTE, {"i": {"customerId": gid(customer), "body": body}}, as_=admin)
    page = (await gql.data(NOTES, {"id": gid(one)}, as_=admin))["customer"]["notes"]

    follows = await gql.data(NOTES, {"id": gid(one), "after": page["pageInfo"]["endCursor"]}, as_=admin)
    elsewhere = await gql.post(NOTES, {"id": gid(two), "after": page["pageInfo"]["endCursor"]}, as_=admin)

    assert len(follows["customer"]["notes"]["nodes"]) == 1
    assert refused_as_another_list(elsewhere)


TIMELINE = """query($id: ID!, $after: String, $kinds: [TimelineKind!]) { customer(id: $id) {
  timeline(first: 1, after: $after, kinds: $kinds) { pageInfo { endCursor } } } }"""


async def test_a_timeline_cursor_belongs_to_its_kinds(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant, name="One")
    for body in ("first", "second"):
        await gql.data(ADD_NOTE, {"i": {"customerId": gid(customer), "body": body}}, as_=admin)
    page = await gql.data(TIMELINE, {"id": gid(customer), "kinds": ["NOTE"]}, as_=admin)
    after = page["customer"]["timeline"]["pageInfo"]["endCursor"]

    body = await gql.post(TIMELINE, {"id": gid(customer), "kinds": ["NOTE", "TASK"], "after": after}, as_=admin)

    assert refused_as_another_list(body)


SAVE = (
    """mutation($i: SaveFilterInput!) { saveFilter(input: $i) { ... on SavedFilterSuccess { savedFilter { id } } } }"""
)
APPLY = """query($id: ID!, $after: String) { node(id: $id) { ... on SavedFilter {
  customers(first: 2, after: $after) { pageInfo { endCursor } nodes { name } } } } }"""


async def test_a_saved_filters_cursor_belongs_to_that_filter(gql, shop):
    _tenant, admin, _, _ = shop
    saved = await gql.data(SAVE, {"i": {"name": "Everyone", "filter": {"status": "ANY"}}}, as_=admin)
    filter_id = saved["saveFilter"]["savedFilter"]["id"]
    after = (await gql.data(APPLY, {"id": filter_id}, as_=admin))["node"]["customers"]["pageInfo"]["endCursor"]

    follows = await gql.data(APPLY, {"id": filter_id, "after": after}, as_=admin)
    root = await gql.post(LIST, {"filter": {"status": "ANY"}, "after": after}, as_=admin)

    assert len(follows["node"]["customers"]["nodes"]) == 2
    assert refused_as_another_list(root)


MY_TASKS = """query($after: String, $status: TaskStatus) { myTasks(first: 1, after: $after, status: $status) {
  pageInfo { endCursor } nodes { title } } }"""
CREATE_TASK = "mutation($i: CreateTaskInput!) { createTask(input: $i) { __typename } }"


async def test_my_tasks_cursor_belongs_to_its_status(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant, name="One")
    for title in ("a", "b"):
        await gql.data(CREATE_TASK, {"i": {"customerId": gid(customer), "title": title}}, as_=admin)
    after = (await gql.data(MY_TASKS, as_=admin))["myTasks"]["pageInfo"]["endCursor"]

    assert (await gql.data(MY_TASKS, {"after": after}, as_=admin))["myTasks"]["nodes"]
    assert refused_as_another_list(await gql.post(MY_TASKS, {"after": after, "status": "DONE"}, as_=admin))
